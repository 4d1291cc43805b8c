#pragma once
// This module's rows about a person, for their data export (profiles/personal_data.hpp): their
// notifications and the devices they enabled push on (the endpoint and dates, not the keys).
// Defined in repository.cpp (its SQL).

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::notifications {

// {"notifications": [...], "push_subscriptions": [...]}
Json personal_data(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::notifications
