#include "admin/retention.hpp"

#include "admin/repository.hpp"
#include "db/transaction.hpp"

namespace pm::admin {

namespace {
// Partitions kept ready ahead of time (migrations/0019): three months, so upkeep may stop for
// weeks before a row lands in a default partition (where it is still safe, just not pruned).
constexpr int kPartitionMonthsAhead = 3;
}  // namespace

Result<std::map<std::string, long long>> enforce_retention(db::Pool& db, int days) {
  return db::transact(db, [&](pqxx::work& tx) -> Result<std::map<std::string, long long>> {
    // A backlog (the first sweep, a shorter retention, weeks of a stopped worker) takes longer than
    // a request's statement timeout: cut off at it, the sweep rolled back every round for good.
    db::allow_long_statements(tx);
    std::map<std::string, long long> out;
    // The months ahead first: a row never waits in a default partition because upkeep lagged.
    repository::ensure_partitions(tx, kPartitionMonthsAhead);
    for (const auto& [table, deleted] : repository::enforce_retention(tx, days)) out[table] = deleted;
    return out;
  });
}

}  // namespace pm::admin
