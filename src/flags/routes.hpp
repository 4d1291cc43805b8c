#pragma once
// HTTP routes of feature flags: GET /api/v1/features (the caller's evaluated flags, signed in) and
// the admins' CRUD under /api/v1/admin/feature-flags (401 signed out, 403 staff-only for anyone
// but an admin: moderators included).

#include "auth/service.hpp"
#include "flags/service.hpp"
#include "http/router.hpp"
#include "staff/service.hpp"

namespace pm::flags {

void add_routes(http::Router& router, auth::Service& auth, staff::Service& staff, Service& service);

}  // namespace pm::flags
