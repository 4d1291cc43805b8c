#pragma once
// A new account's preferences row with the documented defaults (docs/openapi.yaml, Preferences),
// written in the transaction that creates the account. auth creates accounts but sits below this
// module, so app/ hands this to it (auth::AccountCreated).

#include <string>

#include <pqxx/pqxx>

#include "core/id.hpp"

namespace pm::profiles {

// `language`: of the account's mails and pushes (mail::kLanguages).
void create_default_preferences(pqxx::work& tx, const UserId& user_id, const std::string& language);

}  // namespace pm::profiles
