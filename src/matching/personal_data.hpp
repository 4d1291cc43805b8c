#pragma once
// This module's rows about a person, for their data export and their account's deletion
// (profiles/personal_data.hpp, wired by app/: profiles sits below this module). Defined in
// repository.cpp (its SQL).

#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::matching {

// {"vectors": [...], "embedding": [...], "matches": [each the app shows, as its person sees it
// there: their own like and pass, never the other's; its attributes, the insights' summary and key
// factors]}
Json personal_data(pqxx::work& tx, const UserId& user_id);
// Before the account's deletion (profiles::BeforeAccountDeletion, through
// Discovery::before_account_deletion): locks the person's matches, as a like locks its match before
// it touches the users' rows (a notification's key); returns each with the other person in it.
std::vector<std::pair<MatchId, UserId>> before_account_deletion(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::matching
