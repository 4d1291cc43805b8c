#pragma once
// HTTP routes of the Subscription Service: GET /api/v1/plans (public), GET /api/v1/subscription.

#include "auth/service.hpp"
#include "http/router.hpp"
#include "subscriptions/service.hpp"

namespace pm::subscriptions {

void add_routes(http::Router& router, auth::Service& auth, Service& service);

}  // namespace pm::subscriptions
