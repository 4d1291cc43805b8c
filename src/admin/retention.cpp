#include "admin/retention.hpp"

#include <chrono>

#include "admin/repository.hpp"
#include "db/transaction.hpp"

namespace pm::admin {

namespace {
// Partitions kept ready ahead of time (migrations/0019): three months, so upkeep may stop for
// weeks before a row lands in a default partition (where it is still safe, just not pruned).
constexpr int kPartitionMonthsAhead = 3;
// How long attaching or dropping a month waits for its table's lock, holding up everyone behind it.
constexpr std::chrono::seconds kLockWait{5};
}  // namespace

Result<std::map<std::string, long long>> enforce_retention(db::Pool& db, int days) {
  // Each step commits on its own: a partition attached or detached holds locks on its table until
  // its transaction ends, and must not hold them through the sweep's minutes of deletes.
  // The months ahead first: a row never waits in a default partition because upkeep lagged.
  // (Making one moves the rows its month left in the default partition, and attaching it locks
  // that partition: allowed minutes, and the lock waited for briefly, as the drops below.)
  PM_TRY(db::transact(db, [&](pqxx::work& tx) -> Result<int> {
    db::allow_long_statements(tx);
    db::bound_lock_waits(tx, kLockWait);
    return repository::ensure_partitions(tx, kPartitionMonthsAhead);
  }));
  std::map<std::string, long long> out;
  // Expired months next, each table's apart: detaching a month locks its table against every
  // insert (each sign-in's audit entry, each notification) until the transaction ends. The lock is
  // waited for briefly (behind a long read, everyone queues behind the wait): when it is not had,
  // this round is skipped whole, so the sweep does not delete the month row by row instead.
  for (const char* parent : {"audit_log", "notifications"}) {
    out[parent] = PM_TRY(db::transact(db, [&](pqxx::work& tx) -> Result<long long> {
      db::allow_long_statements(tx);  // counting a month's rows, before the lock is taken
      db::bound_lock_waits(tx, kLockWait);
      return repository::drop_expired_months(tx, parent, days);
    }));
  }
  return db::transact(db, [&](pqxx::work& tx) -> Result<std::map<std::string, long long>> {
    // A backlog (the first sweep, a shorter retention, weeks of a stopped worker) takes longer than
    // a request's statement timeout: cut off at it, the sweep rolled back every round for good.
    db::allow_long_statements(tx);
    for (const auto& [table, deleted] : repository::enforce_retention(tx, days)) out[table] += deleted;
    return out;
  });
}

}  // namespace pm::admin
