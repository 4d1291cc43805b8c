#pragma once
// All of the Questionnaire Engine's SQL. Functions take the caller's transaction.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"
#include "questionnaire/bank.hpp"
#include "questionnaire/stored_answer.hpp"

namespace pm::questionnaire::repository {

struct ImportCounts {
  int blocks = 0, questions = 0, retired = 0;
  int answers_cleared = 0;  // answers the changed questions no longer accept (Service::import)
};
// When the bank was last imported (Bank::imported_at), nullopt if never.
std::optional<std::string> bank_imported_at(pqxx::work& tx, const std::string& bank_key);
// Creates or updates the bank in place (ids from keys), retiring questions no longer in it.
ImportCounts import_bank(pqxx::work& tx, const Bank& bank);
// The bank's current (unretired) blocks and questions, or nullopt if it was never imported.
std::optional<Bank> load_bank(pqxx::work& tx, const std::string& bank_key);

// Whether the user's plan unlocks premium-only questions.
bool is_premium(pqxx::work& tx, const UserId& user_id);

// The user's answers to the bank's questions, by question id. With `take_turn`, after the
// transactions of the user's questionnaire before this one (one at a time per user). Locks them
// for the transaction.
std::map<std::string, StoredAnswer> load_answers(pqxx::work& tx, const UserId& user_id, const std::string& bank_key,
                                                 bool take_turn = true);
// Current answers (not retired) to the bank's current questions, by user id, without their time
// (answered_at empty); only open-ended questions' if `open_ended_only`.
std::map<std::string, std::vector<StoredAnswer>> current_answers(pqxx::work& tx,
                                                                 const std::vector<std::string>& user_ids,
                                                                 const std::string& bank_key, bool open_ended_only);
// Whether the user completed the bank's questionnaire.
bool completed(pqxx::work& tx, const std::string& user_id, const std::string& bank_key);
void upsert_answer(pqxx::work& tx, const UserId& user_id, const std::string& question_id, const Json& value,
                   const Json& acceptable, int importance);
// New users' answers in bulk (the demo seeder): one COPY, no conflict handling (the users have
// no answers yet).
void copy_answers(pqxx::work& tx, const std::vector<NewAnswer>& answers);
// Marks answers retired (their question is hidden now) or current again.
void set_retired(pqxx::work& tx, const UserId& user_id, const std::vector<std::string>& question_ids, bool retired);
// Every user's answer to the question, current or retired, locked; and deleting some users' answers
// to it (an answer a re-imported bank's question no longer accepts).
std::vector<std::pair<UserId, StoredAnswer>> answers_to(pqxx::work& tx, const std::string& question_id);
void delete_answers(pqxx::work& tx, const std::string& question_id, const std::vector<std::string>& user_ids);

// The seed's questionnaire response document for (user, bank); an empty object if none yet.
Json load_response(pqxx::work& tx, const UserId& user_id, const std::string& bank_key);
void save_response(pqxx::work& tx, const UserId& user_id, const std::string& bank_key, const Json& doc);

// Whole seconds from an ISO-8601 instant to now, by the database's clock (the one that stamped it).
long long seconds_since(pqxx::work& tx, const std::string& iso8601);

}  // namespace pm::questionnaire::repository
