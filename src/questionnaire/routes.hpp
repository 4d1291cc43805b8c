#pragma once
// HTTP for the Questionnaire Engine: /api/v1/questionnaire/*.

#include <functional>
#include <string>

#include "auth/service.hpp"
#include "http/router.hpp"
#include "questionnaire/service.hpp"

namespace pm::questionnaire {

// `after_complete(user_id)` runs after a successful completion (app/ wires match generation to it).
void add_routes(http::Router& router, auth::Service& auth, Service& questionnaire,
                std::function<void(const std::string&)> after_complete = {});

}  // namespace pm::questionnaire
