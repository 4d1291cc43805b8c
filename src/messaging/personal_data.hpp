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
// What goes with an account's conversations: their ids and the object-store keys of their images.
struct ConversationsOfDeparting {
  std::vector<ConversationId> conversations;
  std::vector<std::string> objects;
};
// Before the account's deletion (Service::before_account_deletion): locks its conversations, as a
// send or the notifications' drain does before it touches the user's row, and names them.
ConversationsOfDeparting lock_conversations_of_departing(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::messaging
