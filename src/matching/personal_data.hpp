#pragma once
// This module's rows about a person, for their data export (profiles/personal_data.hpp, wired by
// app/: profiles sits below this module). Defined in repository.cpp (its SQL).

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::matching {

// {"vectors": [...], "matches": [each as its person sees it in the app: their own like and pass,
// never the other's]}
Json personal_data(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::matching
