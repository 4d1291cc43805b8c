#pragma once
// Writes that compose into a caller's transaction, for making users in bulk: the demo seeder and
// the load test (src/demo) create thousands of users, with their profiles, answers and matches, in
// one transaction per batch. Everyone else goes through this module's service. These forward to
// the repository, which stays private to the module (tests/architecture/check_layers.sh).

#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "core/json.hpp"
#include "questionnaire/bank.hpp"
#include "questionnaire/stored_answer.hpp"

namespace pm::questionnaire::bulk {

// The bank's current blocks and questions, or nullopt if it was never imported.
std::optional<Bank> load_bank(pqxx::work& tx, const std::string& bank_key);
// New users' answers, with one COPY (they have none yet).
void copy_answers(pqxx::work& tx, const std::vector<NewAnswer>& answers);
// The seed's questionnaire response document for (user, bank).
void save_response(pqxx::work& tx, const std::string& user_id, const std::string& bank_key, const Json& document);

}  // namespace pm::questionnaire::bulk
