#include "matching/generation_run.hpp"

#include "db/transaction.hpp"
#include "matching/repository.hpp"

namespace pm::matching {

Result<std::vector<std::string>> GenerationRun::users_needing_vectors(const std::string& bank_key,
                                                                      const std::string& after_user, int limit) {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<std::vector<std::string>> {
    return repository::users_needing_vectors(tx, bank_key, after_user, limit);
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
