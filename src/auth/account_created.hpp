#pragma once
// What other modules keep for every account, written in the transaction that creates it: the
// preferences row (profiles) and the free plan (subscriptions). auth sits below both, so app/ wires
// them in (App::account_created) and auth calls it right after inserting the user, at sign-up, at
// "Sign up with <provider>" and for the demo's bulk accounts.

#include <functional>
#include <string>

#include <pqxx/pqxx>

#include "core/id.hpp"

namespace pm::auth {

// `language`: of the account's mails and pushes (mail::kLanguages).
using AccountCreated = std::function<void(pqxx::work& tx, const UserId& user_id, const std::string& language)>;

}  // namespace pm::auth
