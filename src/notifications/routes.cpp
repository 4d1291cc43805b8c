#include "notifications/routes.hpp"

#include "auth/guard.hpp"

namespace pm::notifications {

using http::Method;
using http::Request;
using http::Status;

void add_routes(http::Router& router, auth::Service& auth, Service& service) {
  router.add(Method::get, "/api/v1/notifications",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               auto query = ListQuery::parse(req.query("cursor"), req.query("limit"), req.query("unread"));
               if (!query) return http::problem_response(query.error(), req.request_id);
               return http::reply(req, service.list(who.user_id, *query));
             }));
  // One click in a mail program (RFC 8058): no session, the token is the authority.
  router.add(Method::post, "/api/v1/notifications/unsubscribe", [&service](Request& req) {
    auto token = req.query("token");
    if (!token || token->empty())
      return http::problem_response(Problem("invalid-token", "the unsubscribe link has no token"), req.request_id);
    return http::reply(req, service.unsubscribe(*token));
  });
  router.add(Method::post, "/api/v1/notifications/read-all",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.mark_all_read(who.user_id));
             }));
  router.add(Method::post, "/api/v1/notifications/{notification_id}/read",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.mark_read(who.user_id, req.params.at("notification_id")));
             }));

  // Web Push (docs/notifications.md "Push"): the key a browser subscribes with, and its subscription.
  router.add(Method::get, "/api/v1/push/vapid-public-key",
             auth::authed(
                 auth, [&service](Request& req, const auth::Caller&) { return http::reply(req, service.push_key()); }));
  router.add(Method::post, "/api/v1/me/push-subscriptions",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::with_input<PushSubscriptionInput>(req, [&](const PushSubscriptionInput& in) {
                 auto saved = service.subscribe_push(who.user_id, who.session_id, in);
                 const auto status = saved && !saved->created ? Status::ok : Status::created;
                 return http::reply(req, saved, status,
                                    [](const SavedSubscription& s) { return s.subscription.to_json(); });
               });
             }));
  router.add(Method::delete_, "/api/v1/me/push-subscriptions",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               auto endpoint = req.query("endpoint");
               if (!endpoint || endpoint->empty())
                 return http::problem_response(
                     Problem("validation-failed", "the query parameter endpoint names the subscription"),
                     req.request_id);
               return http::reply(req, service.unsubscribe_push(who.user_id, *endpoint));
             }));
}

}  // namespace pm::notifications
