#include "profiles/routes.hpp"

#include "auth/guard.hpp"

namespace pm::profiles {

using http::Method;
using http::Request;
using http::Status;

namespace {

auto to_json = [](const auto& v) { return v.to_json(); };

}  // namespace

void add_routes(http::Router& router, auth::Service& auth, Service& profiles) {
  router.add(Method::get, "/api/v1/me", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::reply(req, profiles.me(who.user_id), Status::ok, to_json);
             }));
  router.add(Method::patch, "/api/v1/me", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::with_input<ProfilePatch>(req, [&](const ProfilePatch& patch) {
                 return http::reply(req, profiles.update_me(who.user_id, patch), Status::ok, to_json);
               });
             }));
  router.add(Method::delete_, "/api/v1/me", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::reply(req, profiles.delete_account(who.user_id, req.remote_ip));
             }));
  router.add(Method::get, "/api/v1/me/export", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               auto data = profiles.export_data(who.user_id);
               if (!data) return http::problem_response(data.error(), req.request_id);
               auto res = http::json_response(Status::ok, *data);
               res.set(http::beast_http::field::content_disposition, "attachment; filename=\"perfect-match-export.json\"");
               res.set(http::beast_http::field::cache_control, "no-store");
               return res;
             }));
  router.add(Method::get, "/api/v1/me/preferences", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::reply(req, profiles.preferences(who.user_id), Status::ok, to_json);
             }));
  router.add(Method::put, "/api/v1/me/preferences", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::with_input<PreferencesPatch>(req, [&](const PreferencesPatch& patch) {
                 return http::reply(req, profiles.update_preferences(who.user_id, patch), Status::ok, to_json);
               });
             }));
  router.add(Method::get, "/api/v1/users/{user_id}", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::reply(req, profiles.user(who.user_id, req.params["user_id"]), Status::ok, to_json);
             }));
  router.add(Method::post, "/api/v1/users/{user_id}/block", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::reply(req, profiles.block(who.user_id, req.params["user_id"]));
             }));
  router.add(Method::delete_, "/api/v1/users/{user_id}/block", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::reply(req, profiles.unblock(who.user_id, req.params["user_id"]));
             }));
  router.add(Method::post, "/api/v1/users/{user_id}/report", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::with_input<ReportInput>(req, [&](const ReportInput& report) {
                 return http::reply(req, profiles.report(who.user_id, req.params["user_id"], report), Status::created,
                                    [](const std::string& id) { return Json{{"report_id", id}}; });
               });
             }));
}

}  // namespace pm::profiles
