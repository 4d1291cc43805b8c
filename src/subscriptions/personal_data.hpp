#pragma once
// This module's rows about a person, for their data export (profiles/personal_data.hpp, wired by
// app/: profiles sits beside this module). Defined in repository.cpp (its SQL).

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::subscriptions {

// {"subscription": [the subscription row]}
Json personal_data(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::subscriptions
