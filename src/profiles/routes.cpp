#include "profiles/routes.hpp"

#include "auth/guard.hpp"
#include "core/validation.hpp"
#include "http/multipart.hpp"

namespace pm::profiles {

using http::Method;
using http::Request;
using http::Status;

namespace {

Json photos_body(const std::vector<Photo>& photos) {
  Json out = Json::array();
  for (const auto& p : photos) out.push_back(p.to_json());
  return Json{{"photos", out}};
}

}  // namespace

void add_routes(http::Router& router, auth::Service& auth, Service& profiles, Photos& photos) {
  // Uploads may be as large as a photo may be, plus room for multipart framing.
  const std::size_t upload_limit = photos.max_upload_bytes() + 64 * 1024;
  router.add(Method::post, "/api/v1/me/media",
             auth::authed(auth,
                          [&photos](Request& req, const auth::Caller& who) {
                            auto bytes = http::uploaded_file(req);
                            if (!bytes) return http::problem_response(bytes.error(), req.request_id);
                            return http::reply(req, photos.upload(who.user_id, *bytes), Status::created);
                          }),
             upload_limit);
  router.add(Method::put, "/api/v1/me/media/order",
             auth::authed(auth, [&photos](Request& req, const auth::Caller& who) {
               auto body = req.json();
               if (!body) return http::problem_response(body.error(), req.request_id);
               Fields f(*body);
               f.allow_only({"media_ids"});
               std::vector<std::string> ids;
               if (!f.raw("media_ids").is_array())
                 f.fail("media_ids", "must be an array of photo ids");
               else
                 for (const auto& id : f.raw("media_ids")) {
                   if (!id.is_string() || !crypto::is_uuid(id.get<std::string>()))
                     f.fail("media_ids", "must hold photo ids (UUIDs)");
                   else
                     ids.push_back(id.get<std::string>());
                 }
               if (!f.ok()) return http::problem_response(f.problem(), req.request_id);
               return http::reply(req, photos.reorder(who.user_id, ids), Status::ok, photos_body);
             }));
  router.add(Method::delete_, "/api/v1/me/media/{media_id}",
             auth::authed(auth, [&photos](Request& req, const auth::Caller& who) {
               return http::reply(req, photos.remove(who.user_id, req.params["media_id"]));
             }));

  router.add(Method::get, "/api/v1/me", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::reply(req, profiles.me(who.user_id));
             }));
  router.add(Method::patch, "/api/v1/me", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::with_input<ProfilePatch>(req, [&](const ProfilePatch& patch) {
                 return http::reply(req, profiles.update_me(who.user_id, patch));
               });
             }));
  // Deleting for good, like the export, needs a recent sign-in or the password again: an old
  // session (a phone left signed in) must not be enough to erase someone.
  router.add(Method::delete_, "/api/v1/me",
             auth::authed(auth, [&auth, &profiles](Request& req, const auth::Caller& who) {
               if (auto proved = auth.require_recent_proof(who); !proved)
                 return http::problem_response(proved.error(), req.request_id);
               return http::reply(req, profiles.delete_account(who.user_id, req.remote_ip));
             }));
  router.add(
      Method::get, "/api/v1/me/export", auth::authed(auth, [&auth, &profiles](Request& req, const auth::Caller& who) {
        if (auto proved = auth.require_recent_proof(who); !proved)
          return http::problem_response(proved.error(), req.request_id);
        auto data = profiles.export_data(who.user_id);
        if (!data) return http::problem_response(data.error(), req.request_id);
        auto res = http::json_response(Status::ok, *data);
        res.set(http::beast_http::field::content_disposition, "attachment; filename=\"perfect-match-export.json\"");
        res.set(http::beast_http::field::cache_control, "no-store");
        return res;
      }));
  router.add(Method::get, "/api/v1/me/preferences",
             auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::reply(req, profiles.preferences(who.user_id));
             }));
  router.add(Method::put, "/api/v1/me/preferences",
             auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::with_input<PreferencesPatch>(req, [&](const PreferencesPatch& patch) {
                 return http::reply(req, profiles.update_preferences(who.user_id, patch));
               });
             }));
  router.add(Method::get, "/api/v1/users/{user_id}",
             auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               auto other = req.path_id<UserId>("user_id", no_such_user());
               if (!other) return http::problem_response(other.error(), req.request_id);
               return http::reply(req, profiles.user(who.user_id, *other));
             }));
  router.add(Method::post, "/api/v1/users/{user_id}/block",
             auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               auto other = req.path_id<UserId>("user_id", no_such_user());
               if (!other) return http::problem_response(other.error(), req.request_id);
               return http::reply(req, profiles.block(who.user_id, *other));
             }));
  router.add(Method::delete_, "/api/v1/users/{user_id}/block",
             auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               auto other = req.path_id<UserId>("user_id", no_such_user());
               if (!other) return http::problem_response(other.error(), req.request_id);
               return http::reply(req, profiles.unblock(who.user_id, *other));
             }));
  router.add(Method::get, "/api/v1/me/blocks", auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               return http::reply(req, profiles.blocked_by(who.user_id));
             }));
  router.add(Method::post, "/api/v1/users/{user_id}/report",
             auth::authed(auth, [&profiles](Request& req, const auth::Caller& who) {
               auto other = req.path_id<UserId>("user_id", no_such_user());
               if (!other) return http::problem_response(other.error(), req.request_id);
               return http::with_input<ReportInput>(req, [&](const ReportInput& report) {
                 return http::reply(req, profiles.report(who.user_id, *other, report), Status::created,
                                    [](const std::string& id) {
                                      return Json{{"report_id", id}};
                                    });
               });
             }));
}

}  // namespace pm::profiles
