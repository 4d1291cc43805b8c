#include "matching/routes.hpp"

#include "auth/guard.hpp"

namespace pm::matching {

using http::Method;
using http::Request;
using http::Status;

void add_routes(http::Router& router, auth::Service& auth, Service& service) {
  router.add(Method::get, "/api/v1/matches", auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               auto query = ListQuery::parse(req.query("cursor"), req.query("limit"), req.query("status"));
               if (!query) return http::problem_response(query.error(), req.request_id);
               auto page = service.discovery.list(who.user_id, *query);
               if (!page) return http::problem_response(page.error(), req.request_id);
               return http::json_text_response(Status::ok, std::move(*page));
             }));
  router.add(Method::post, "/api/v1/matches/generate",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.generate_now(who.user_id));
             }));
  router.add(Method::get, "/api/v1/matches/{match_id}",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               auto match = req.path_id<MatchId>("match_id", no_such_match());
               if (!match) return http::problem_response(match.error(), req.request_id);
               return http::reply(req, service.discovery.detail(who.user_id, *match));
             }));
  router.add(Method::post, "/api/v1/matches/{match_id}/like",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               auto match = req.path_id<MatchId>("match_id", no_such_match());
               if (!match) return http::problem_response(match.error(), req.request_id);
               return http::reply(req, service.like(who.user_id, *match));
             }));
  router.add(Method::post, "/api/v1/matches/{match_id}/pass",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               auto match = req.path_id<MatchId>("match_id", no_such_match());
               if (!match) return http::problem_response(match.error(), req.request_id);
               return http::reply(req, service.discovery.pass(who.user_id, *match));
             }));
  router.add(Method::post, "/api/v1/matches/rewind",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.rewind(who.user_id));
             }));
  router.add(Method::get, "/api/v1/likes/received",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.discovery.likes_received(who.user_id));
             }));
  router.add(Method::post, "/api/v1/matches/{match_id}/unmatch",
             auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               auto match = req.path_id<MatchId>("match_id", no_such_match());
               if (!match) return http::problem_response(match.error(), req.request_id);
               return http::reply(req, service.discovery.unmatch(who.user_id, *match));
             }));
}

}  // namespace pm::matching
