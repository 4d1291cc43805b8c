#include "matching/generation_run.hpp"

#include "db/transaction.hpp"
#include "matching/repository.hpp"

namespace pm::matching {

Result<std::vector<std::string>> GenerationRun::users_needing_vectors(const std::string& bank_key) {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<std::vector<std::string>> {
    db::allow_long_statements(tx);  // one read of every user (at a million, seconds)
    return repository::users_needing_vectors(tx, bank_key);
  });
}

Result<int> GenerationRun::count_users_with_vectors() {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<int> { return repository::count_users_with_vectors(tx); });
}

Result<std::string> GenerationRun::position() {
  return db::transact(
      db_, [&](pqxx::work& tx) -> Result<std::string> { return repository::run_position(tx, run_id_).value_or(""); });
}

}  // namespace pm::matching
