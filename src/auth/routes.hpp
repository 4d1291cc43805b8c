#pragma once
// HTTP for the Authentication Service: /api/v1/auth/* and /api/v1/me/password.

#include "auth/service.hpp"
#include "http/router.hpp"

namespace pm::auth {

void add_routes(http::Router& router, Service& auth);

}  // namespace pm::auth
