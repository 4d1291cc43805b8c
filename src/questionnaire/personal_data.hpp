#pragma once
// This module's rows about a person, for their data export (profiles/personal_data.hpp, wired by
// app/: profiles sits below this module). Defined in repository.cpp (its SQL).

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::questionnaire {

// {"answers": [...], "questionnaire_responses": [...]}
Json personal_data(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::questionnaire
