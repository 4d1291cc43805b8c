#pragma once
// What the matching engine reads of the questionnaire, in the engine's transaction: users' current
// answers to a bank, in bulk (the candidate index, vectors, insights), and whether a user completed
// it. The answers stay this module's tables (docs/architecture.md); these forward to the
// repository, which stays private to the module.

#include <map>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "questionnaire/stored_answer.hpp"

namespace pm::questionnaire::answer_sheets {

// Current (not retired) answers to the bank's current questions, by user id (users without any
// are absent); only open-ended questions' if `open_ended_only` (what insights quote). Their
// `answered_at` is left empty: the engine does not read it.
std::map<std::string, std::vector<StoredAnswer>> current(pqxx::work& tx, const std::vector<std::string>& user_ids,
                                                         const std::string& bank_key, bool open_ended_only = false);

// Whether the user completed the bank's questionnaire.
bool completed(pqxx::work& tx, const std::string& user_id, const std::string& bank_key);

}  // namespace pm::questionnaire::answer_sheets
