#pragma once
// Every account starts on the free plan: its subscription row, written in the transaction that
// creates the account. auth creates accounts but sits below this module, so app/ hands this to it
// (auth::AccountCreated).

#include <pqxx/pqxx>

#include "core/id.hpp"

namespace pm::subscriptions {

void start_free_plan(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::subscriptions
