#pragma once
// This module's part of a person's data (profiles/personal_data.hpp, wired by app/: profiles
// sits below this module): the messages they sent, for the export; and the images of every
// conversation they are in, sent or only uploaded, which go with the account (its conversations do,
// both people's messages and uploads with them). Defined in repository.cpp (their SQL).

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"
#include "profiles/personal_data.hpp"

namespace pm::messaging {

// {"messages_sent": [...]}
Json personal_data(pqxx::work& tx, const UserId& user_id);
// Before the account's deletion (profiles::BeforeAccountDeletion): locks its conversations, as a
// send or the notifications' drain does before it touches the user's row; names the object-store
// keys of those images.
profiles::AfterAccountDeletion before_account_deletion(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::messaging
