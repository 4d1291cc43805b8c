#pragma once
// All of the Subscription Service's SQL. Functions take the caller's transaction.

#include <string>

#include <pqxx/pqxx>

namespace pm::subscriptions::repository {

// Whether the user has a plan other than "free" that is paid for ("active") and has not ended.
bool has_paid_plan(pqxx::work& tx, const std::string& user_id);

}  // namespace pm::subscriptions::repository
