#include "staff/routes.hpp"

#include <limits>

#include <fmt/format.h>

#include "core/id.hpp"
#include "staff/guard.hpp"

namespace pm::staff {

using http::Method;
using http::Request;

void add_routes(http::Router& router, auth::Service& auth, Service& service) {
  // The caller's own staff role, for a client deciding what to show (the admin routes decide
  // what is allowed): any signed-in user may ask about themselves, and only about themselves.
  router.add(Method::get, "/api/v1/me/staff", auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.role_of(who.user_id), http::Status::ok,
                                  [](const std::optional<Role>& role) {
                                    return Json{{"staff_role", role ? Json(to_string(*role)) : Json(nullptr)}};
                                  });
             }));
  router.add(Method::get, "/api/v1/admin/reports",
             staff_only(auth, service, Role::moderator, [&service](Request& req, const auth::Caller& who) {
               auto status = req.query("status").value_or("open");
               if (status != "open" && status != "reviewed" && status != "dismissed")
                 return http::problem_response(
                     Problem("validation-failed", "status must be open, reviewed or dismissed"), req.request_id);
               auto limit = req.query_number("limit", 1, 100);
               if (!limit) return http::problem_response(limit.error(), req.request_id);
               return http::reply(req, service.reports(who.user_id, status, static_cast<int>(limit->value_or(50))));
             }));
  router.add(Method::get, "/api/v1/admin/reports/{report_id}",
             staff_only(auth, service, Role::moderator, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.report(who.user_id, req.params.at("report_id")));
             }));
  router.add(Method::post, "/api/v1/admin/reports/{report_id}/actions",
             staff_only(auth, service, Role::moderator, [&service](Request& req, const auth::Caller& who) {
               return http::with_input<ActionInput>(req, [&](const ActionInput& in) {
                 return http::reply(req, service.act(who.user_id, req.params.at("report_id"), in));
               });
             }));
  router.add(Method::get, "/api/v1/admin/users",
             staff_only(auth, service, Role::moderator, [&service](Request& req, const auth::Caller& who) {
               auto email = req.query("email");
               if (!email || email->empty() || email->size() > 254)
                 return http::problem_response(Problem("validation-failed", "?email= names the account to look up"),
                                               req.request_id);
               return http::reply(req, service.lookup(who.user_id, *email));
             }));
  router.add(Method::get, "/api/v1/admin/audit",
             staff_only(auth, service, Role::admin, [&service](Request& req, const auth::Caller& who) {
               auto user = UserId::parse(req.query("user_id").value_or(""));
               if (!user)
                 return http::problem_response(Problem("validation-failed", "?user_id= names the user (a UUID)"),
                                               req.request_id);
               auto limit = req.query_number("limit", 1, 200);
               if (!limit) return http::problem_response(limit.error(), req.request_id);
               auto before = req.query_number("before", 1, std::numeric_limits<long long>::max());
               if (!before) return http::problem_response(before.error(), req.request_id);
               return http::reply(
                   req, service.audit_trail(who.user_id, *user, *before, static_cast<int>(limit->value_or(50))));
             }));
  router.add(Method::post, "/api/v1/admin/users/{user_id}/plan",
             staff_only(auth, service, Role::admin, [&service](Request& req, const auth::Caller& who) {
               auto user = req.path_id<UserId>("user_id", Problem("not-found", "there is no such user"));
               if (!user) return http::problem_response(user.error(), req.request_id);
               return http::with_input<PlanGrantInput>(req, [&](const PlanGrantInput& in) {
                 return http::reply(req, service.grant_plan(who.user_id, *user, in));
               });
             }));
}

}  // namespace pm::staff
