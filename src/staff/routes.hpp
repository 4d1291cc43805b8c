#pragma once
// HTTP routes of staff and moderation, all under /api/v1/admin: 401 signed out, 403 staff-only
// for anyone without the role a route needs (moderator: the reports and look-ups; admin: also
// plans). No route grants a role (`perfectmatch admin grant` does).

#include "auth/service.hpp"
#include "http/router.hpp"
#include "staff/service.hpp"

namespace pm::staff {

void add_routes(http::Router& router, auth::Service& auth, Service& service);

}  // namespace pm::staff
