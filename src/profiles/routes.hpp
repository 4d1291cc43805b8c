#pragma once
// HTTP for the Profile Management Service: /api/v1/me, /api/v1/me/preferences, /api/v1/me/export,
// /api/v1/me/media (photos), /api/v1/users/{user_id} with /block and /report.

#include "auth/service.hpp"
#include "http/router.hpp"
#include "profiles/service.hpp"

namespace pm::profiles {

void add_routes(http::Router& router, auth::Service& auth, Service& profiles, Photos& photos);

}  // namespace pm::profiles
