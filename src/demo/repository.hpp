#pragma once
// The demo seeder's and the load-test fixtures' own SQL (everything else goes through the modules'
// repositories).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace pm::demo::repository {

// Moves the user's subscription (made free at sign-up) to an active premium plan for a year.
void make_premium(pqxx::work& tx, const std::string& user_id);

// A match both users liked, as `like` leaves it (status 'active', both liked, ids ordered as
// matching::repository::insert_matches orders them); returns its id. Load tests only: no
// attributes or insights are written.
std::string insert_active_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b, double score);

// The ids of the users with these email blind indexes (index -> user id).
std::map<std::string, std::string> users_by_email_index(pqxx::work& tx, const std::vector<std::string>& indexes);

// A match of the simulated history (`seed`'s behaviour): decided as given, created at
// `created_at` (ISO), ranked by the questionnaire; nullopt when the pair already has a match (a
// second seed run adds nothing). No attributes or insights are written.
std::optional<std::string> insert_history_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b,
                                                double score, const std::string& status, bool liked_a, bool liked_b,
                                                const std::string& created_at);
// An outcome of that history (match_outcomes, docs/outcomes.md) at `decided_at` (ISO).
void insert_history_outcome(pqxx::work& tx, const std::string& decided_by, const std::string& about,
                            const std::string& kind, const std::string& match_id, const std::string& decided_at);

}  // namespace pm::demo::repository
