#include "matching/bulk.hpp"

#include "matching/repository.hpp"

namespace pm::matching::bulk {

std::string open_conversation(pqxx::work& tx, const std::string& match_id) {
  return repository::open_conversation(tx, MatchId(match_id)).str();
}

std::string insert_active_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b, double score) {
  return repository::insert_active_match(tx, user_a, user_b, score);
}

std::optional<std::string> insert_history_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b,
                                                double score, const std::string& status, bool liked_a, bool liked_b,
                                                const std::string& created_at) {
  return repository::insert_history_match(tx, user_a, user_b, score, status, liked_a, liked_b, created_at);
}

}  // namespace pm::matching::bulk
