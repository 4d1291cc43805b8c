#include "questionnaire/bulk.hpp"

#include "questionnaire/repository.hpp"

namespace pm::questionnaire::bulk {

std::optional<Bank> load_bank(pqxx::work& tx, const std::string& bank_key) {
  return repository::load_bank(tx, bank_key);
}

void copy_answers(pqxx::work& tx, const std::vector<NewAnswer>& answers) { repository::copy_answers(tx, answers); }

void save_response(pqxx::work& tx, const std::string& user_id, const std::string& bank_key, const Json& document) {
  repository::save_response(tx, UserId(user_id), bank_key, document);
}

}  // namespace pm::questionnaire::bulk
