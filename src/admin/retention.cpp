#include "admin/retention.hpp"

#include "admin/repository.hpp"
#include "db/transaction.hpp"

namespace pm::admin {

Result<std::map<std::string, long long>> enforce_retention(db::Pool& db, int days) {
  return db::transact(db, [&](pqxx::work& tx) -> Result<std::map<std::string, long long>> {
    std::map<std::string, long long> out;
    for (const auto& [table, deleted] : repository::enforce_retention(tx, days)) out[table] = deleted;
    return out;
  });
}

}  // namespace pm::admin
