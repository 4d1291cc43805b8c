#include "flags/routes.hpp"

#include "auth/guard.hpp"
#include "staff/guard.hpp"

namespace pm::flags {

using http::Method;
using http::Request;
using staff::Role;

void add_routes(http::Router& router, auth::Service& auth, staff::Service& staff, Service& service) {
  router.add(Method::get, "/api/v1/features", auth::authed(auth, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.features_for(who.user_id));
             }));
  router.add(Method::get, "/api/v1/admin/feature-flags",
             staff::staff_only(auth, staff, Role::admin, [&service](Request& req, const auth::Caller&) {
               return http::reply(req, service.list());
             }));
  router.add(Method::get, "/api/v1/admin/feature-flags/{key}",
             staff::staff_only(auth, staff, Role::admin, [&service](Request& req, const auth::Caller&) {
               return http::reply(req, service.get(req.params.at("key")));
             }));
  router.add(Method::put, "/api/v1/admin/feature-flags/{key}",
             staff::staff_only(auth, staff, Role::admin, [&service](Request& req, const auth::Caller& who) {
               return http::with_input<FlagInput>(req, [&](const FlagInput& in) {
                 auto put = service.put(who.user_id, req.params.at("key"), in);
                 if (!put) return http::problem_response(put.error(), req.request_id);
                 return http::json_response(put->created ? http::Status::created : http::Status::ok,
                                            put->flag.to_json());
               });
             }));
  router.add(Method::delete_, "/api/v1/admin/feature-flags/{key}",
             staff::staff_only(auth, staff, Role::admin, [&service](Request& req, const auth::Caller& who) {
               return http::reply(req, service.remove(who.user_id, req.params.at("key")));
             }));
}

}  // namespace pm::flags
