#pragma once
// HTTP routes of the Messaging Service (/api/v1/conversations..., /api/v1/messages...).

#include "auth/service.hpp"
#include "http/router.hpp"
#include "messaging/service.hpp"

namespace pm::messaging {

void add_routes(http::Router& router, auth::Service& auth, Service& service);

}  // namespace pm::messaging
