#pragma once
// HTTP routes of the AI Matching Service (/api/v1/matches...).

#include "auth/service.hpp"
#include "http/router.hpp"
#include "matching/service.hpp"

namespace pm::matching {

void add_routes(http::Router& router, auth::Service& auth, Service& service);

}  // namespace pm::matching
