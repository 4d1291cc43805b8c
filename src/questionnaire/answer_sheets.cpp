#include "questionnaire/answer_sheets.hpp"

#include "questionnaire/repository.hpp"

namespace pm::questionnaire::answer_sheets {

std::map<std::string, std::vector<StoredAnswer>> current(pqxx::work& tx, const std::vector<std::string>& user_ids,
                                                         const std::string& bank_key, bool open_ended_only) {
  return repository::current_answers(tx, user_ids, bank_key, open_ended_only);
}

bool completed(pqxx::work& tx, const std::string& user_id, const std::string& bank_key) {
  return repository::completed(tx, user_id, bank_key);
}

}  // namespace pm::questionnaire::answer_sheets
