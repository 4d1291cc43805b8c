#pragma once
// This module's rows about a person, for their data export (profiles/personal_data.hpp): their
// notifications and the devices they enabled push on (the endpoint and dates, not the keys). And
// the other people's notifications about them, which go with their account. Defined in
// repository.cpp (its SQL).

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::notifications {

// {"notifications": [...], "push_subscriptions": [...]}
Json personal_data(pqxx::work& tx, const UserId& user_id);
// Before the account's deletion (profiles::BeforeAccountDeletion): the notifications of everyone
// they had a match with that name them (a message's preview is their words) go, with their
// deliveries; their own go by the key.
void before_account_deletion(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::notifications
