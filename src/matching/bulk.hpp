#pragma once
// Writes that compose into a caller's transaction, for making users in bulk: the demo seeder and
// the load test (src/demo) create thousands of users, with their profiles, answers and matches, in
// one transaction per batch. Everyone else goes through this module's service. These forward to
// the repository, which stays private to the module (tests/architecture/check_layers.sh).

#include <optional>
#include <string>

#include <pqxx/pqxx>

namespace pm::matching::bulk {

// Opens an active match's conversation (idempotent), as a mutual like does; returns its id.
std::string open_conversation(pqxx::work& tx, const std::string& match_id);
// An active match of the two (both liked), as the load test's pairs have; returns its id.
std::string insert_active_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b, double score);
// A past match of the two, made at `created_at` (ISO 8601), in `status`, each side's like as
// given: the seed's simulated history. nullopt when the pair already has a match.
std::optional<std::string> insert_history_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b,
                                                double score, const std::string& status, bool liked_a, bool liked_b,
                                                const std::string& created_at);

}  // namespace pm::matching::bulk
