#pragma once
// What auth keeps about a person, for profiles, which answers for all of it
// (profiles/personal_data.hpp): the account row as stored (encrypted columns as they are; the
// export decrypts them), without its credentials (repository.cpp); and the account's deletion,
// which the database's ON DELETE CASCADE carries to every module's rows, with a queued purge of its
// sessions (restrictions.cpp).

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::auth {

// {"user": [the account row]}
Json personal_data(pqxx::work& tx, const UserId& user_id);
void delete_account(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::auth
