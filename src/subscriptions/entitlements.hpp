#pragma once
// What a user's plan entitles them to, read inside the caller's transaction. The one definition
// of "premium" every service uses (premium-only questions, premium insights, generation limits).

#include <string>

#include <pqxx/pqxx>

namespace pm::subscriptions {

// A paid plan (anything but "free") that has not ended.
bool has_premium(pqxx::work& tx, const std::string& user_id);

}  // namespace pm::subscriptions
