#pragma once
// The demo seeder's own SQL (everything else goes through the modules' repositories).

#include <string>

#include <pqxx/pqxx>

namespace pm::demo::repository {

// Moves the user's subscription (made free at sign-up) to an active premium plan for a year.
void make_premium(pqxx::work& tx, const std::string& user_id);

}  // namespace pm::demo::repository
