#pragma once
// HTTP for the Questionnaire Engine: /api/v1/questionnaire/*.

#include "auth/service.hpp"
#include "http/router.hpp"
#include "questionnaire/service.hpp"

namespace pm::questionnaire {

void add_routes(http::Router& router, auth::Service& auth, Service& questionnaire);

}  // namespace pm::questionnaire
