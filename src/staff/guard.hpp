#pragma once
// The role check of every admin route (staff's own and other modules' under /api/v1/admin): 401
// signed out, 403 staff-only without the role the route needs (an admin may do what a moderator
// may), then fn(request, caller) as the signed-in staff member.

#include <fmt/format.h>

#include "auth/guard.hpp"
#include "staff/service.hpp"

namespace pm::staff {

template <class Fn>
http::Handler staff_only(auth::Service& auth, Service& service, Role needed, Fn fn) {
  return auth::authed(auth, [&service, needed, fn](http::Request& req, const auth::Caller& who) -> http::Response {
    auto role = service.role_of(who.user_id);
    if (!role) return http::problem_response(role.error(), req.request_id);
    if (!*role || (needed == Role::admin && **role != Role::admin))
      return http::problem_response(
          Problem("staff-only", fmt::format("this needs the {} staff role", to_string(needed))), req.request_id);
    return fn(req, who);
  });
}

}  // namespace pm::staff
