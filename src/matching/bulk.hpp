#pragma once
// Writes that compose into a caller's transaction, for making users in bulk: the demo seeder and
// the load test (src/demo) create thousands of users, with their profiles, answers and matches, in
// one transaction per batch. Everyone else goes through this module's service. These forward to
// the repository, which stays private to the module (tests/architecture/check_layers.sh).

#include <string>

#include <pqxx/pqxx>

namespace pm::matching::bulk {

// Opens an active match's conversation (idempotent), as a mutual like does; returns its id.
std::string open_conversation(pqxx::work& tx, const std::string& match_id);

}  // namespace pm::matching::bulk
