#include "matching/bulk.hpp"

#include "matching/repository.hpp"

namespace pm::matching::bulk {

std::string open_conversation(pqxx::work& tx, const std::string& match_id) {
  return repository::open_conversation(tx, MatchId(match_id)).str();
}

}  // namespace pm::matching::bulk
