#pragma once
// HTTP routes of the Notification Service (/api/v1/notifications...).

#include "auth/service.hpp"
#include "http/router.hpp"
#include "notifications/service.hpp"

namespace pm::notifications {

void add_routes(http::Router& router, auth::Service& auth, Service& service);

}  // namespace pm::notifications
