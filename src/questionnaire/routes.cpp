#include "questionnaire/routes.hpp"

#include "auth/guard.hpp"

namespace pm::questionnaire {

using http::Method;
using http::Request;
using http::Status;

void add_routes(http::Router& router, auth::Service& auth, Service& service) {
  router.add(Method::get, "/api/v1/questionnaire",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.questionnaire(who.user_id));
             }));
  router.add(Method::get, "/api/v1/questionnaire/next",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               // ?limit=N, 1-20, default 1
               auto limit = req.query_number("limit", 1, 20);
               if (!limit) return http::problem_response(limit.error(), req.request_id);
               return http::reply(req, service.next(who.user_id, static_cast<int>(limit->value_or(1))));
             }));
  router.add(Method::put, "/api/v1/questionnaire/answers/{question_id}",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               auto body = req.json();
               if (!body) return http::problem_response(body.error(), req.request_id);
               return http::reply(req, service.answer(who.user_id, req.params["question_id"], *body,
                                                      device_type_of(req.header("User-Agent"))));
             }));
  router.add(Method::get, "/api/v1/questionnaire/progress",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.progress(who.user_id));
             }));
  router.add(Method::post, "/api/v1/questionnaire/complete",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               // Completion queues the user's vectors; the worker computes them and then generates
               // the first matches (with their insights, possibly LLM calls): never on a request thread.
               return http::reply(req, service.complete(who.user_id));
             }));
}

}  // namespace pm::questionnaire
