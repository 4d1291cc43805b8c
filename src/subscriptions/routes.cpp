#include "subscriptions/routes.hpp"

#include "auth/guard.hpp"

namespace pm::subscriptions {

using http::Method;
using http::Request;

void add_routes(http::Router& router, auth::Service& auth, Service& service) {
  router.add(Method::get, "/api/v1/plans", [&service](Request& req) { return http::reply(req, service.plans()); });
  router.add(Method::get, "/api/v1/subscription", auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.subscription(who.user_id));
             }));
}

void add_payment_routes(http::Router& router, auth::Service& auth, std::shared_ptr<Payments> payments) {
  router.add(Method::post, "/api/v1/subscription/checkout",
             auth::authed(auth, [payments](Request& req, const auth::Caller& who) {
               return http::with_input<CheckoutInput>(
                   req, [&](const CheckoutInput& in) { return http::reply(req, payments->checkout(who.user_id, in)); });
             }));
  router.add(Method::post, "/api/v1/subscription/cancel",
             auth::authed(auth, [payments](Request& req, const auth::Caller& who) {
               return http::reply(req, payments->cancel(who.user_id), http::Status::accepted);
             }));
  // Public: the Stripe-Signature header authenticates the provider (the body is read raw: the
  // signature is over its exact bytes).
  router.add(Method::post, "/api/v1/webhooks/payments", [payments](Request& req) {
    return http::reply(req, payments->webhook(req.raw.body(), req.header("Stripe-Signature")));
  });
}

}  // namespace pm::subscriptions
