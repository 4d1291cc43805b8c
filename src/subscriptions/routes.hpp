#pragma once
// HTTP routes of the Subscription Service: GET /api/v1/plans (public), GET /api/v1/subscription,
// and payments: POST /api/v1/subscription/checkout and /cancel (the signed-in user), POST
// /api/v1/webhooks/payments (public: the provider's signature is its authentication).

#include <memory>
#include "auth/service.hpp"

#include "http/router.hpp"
#include "subscriptions/payments.hpp"
#include "subscriptions/service.hpp"

namespace pm::subscriptions {

void add_routes(http::Router& router, auth::Service& auth, Service& service);
// The routes own `payments` (it lives as long as the router).
void add_payment_routes(http::Router& router, auth::Service& auth, std::shared_ptr<Payments> payments);

}  // namespace pm::subscriptions
