#pragma once
// The demo seeder's and the load-test fixtures' own SQL (everything else goes through the modules'
// repositories).

#include <string>

#include <pqxx/pqxx>

namespace pm::demo::repository {

// Moves the user's subscription (made free at sign-up) to an active premium plan for a year.
void make_premium(pqxx::work& tx, const std::string& user_id);

// A match both users liked, as `like` leaves it (status 'active', both liked, ids ordered as
// matching::repository::insert_matches orders them); returns its id. Load tests only: no
// attributes or insights are written.
std::string insert_active_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b, double score);

}  // namespace pm::demo::repository
