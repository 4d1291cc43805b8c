#include "subscriptions/routes.hpp"

#include "auth/guard.hpp"

namespace pm::subscriptions {

using http::Method;
using http::Request;

void add_routes(http::Router& router, auth::Service& auth, Service& service) {
  router.add(Method::get, "/api/v1/plans", [&service](Request& req) { return http::reply(req, service.plans()); });
  router.add(Method::get, "/api/v1/subscription", auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.subscription(who.user_id.str()));
             }));
}

}  // namespace pm::subscriptions
