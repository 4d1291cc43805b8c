#pragma once
// Writes that compose into a caller's transaction, for making users in bulk: the demo seeder and
// the load test (src/demo) create thousands of users, with their profiles, answers and matches, in
// one transaction per batch. Everyone else goes through this module's service. These forward to
// the repository, which stays private to the module (tests/architecture/check_layers.sh).

#include <map>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "auth/account_created.hpp"
#include "auth/model.hpp"

namespace pm::auth::bulk {

// The user with the other modules' rows of a new account (`created`: App::account_created): how
// every account is made (sign-up and provider sign-up call it too, through Service).
void insert_account(pqxx::work& tx, const NewAccount& account, const AccountCreated& created);
bool email_index_taken(pqxx::work& tx, const std::string& email_index);
// The ids of the accounts with these email blind indexes (index -> user id): the seed's history
// finds its people by their made-up addresses.
std::map<std::string, std::string> accounts_by_email_index(pqxx::work& tx, const std::vector<std::string>& indexes);

}  // namespace pm::auth::bulk
