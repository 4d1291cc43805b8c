#pragma once
// The one transaction helper: check out a connection, run `fn` in a transaction, commit when it
// returns a value, roll back when it returns a Problem or throws. A lost connection becomes a 503,
// and so does a transaction PostgreSQL rolled back to let another go on (a deadlock, a
// serialization failure): nothing of it is stored and the client may try again (each such deadlock
// is a lock order to fix).
//
// Every transaction first tells PostgreSQL who it runs for (core/actor.hpp), as settings local to
// the transaction that the row-level security policies read (docs/security.md): pm.user_id (a
// signed-in user's id, else empty) and pm.system ('on' for system work, else 'off'). Nobody
// (neither): the policies show no user's rows and refuse writes to them.

#include <chrono>
#include <thread>
#include <type_traits>
#include <typeinfo>

#include <boost/core/demangle.hpp>

#include <pqxx/pqxx>

#include "core/actor.hpp"
#include "core/log.hpp"
#include "db/pool.hpp"

namespace pm::db {

// Sets pm.user_id and pm.system for the current actor, until the end of `tx`.
inline void apply_actor(pqxx::work& tx) {
  const auto& actor = actor::current();
  tx.exec_params("SELECT set_config('pm.user_id', $1, true), set_config('pm.system', $2, true)",
                 actor.kind == actor::Kind::user ? actor.user_id.str() : std::string(),
                 actor.kind == actor::Kind::system ? "on" : "off");
}

// Within one transaction, the system for a while: a write the product makes on another user's
// behalf inside the caller's transaction (e.g. the recipient's notification of a message), which
// the caller's own policies rightly refuse. The caller's identity is back when this goes away.
class AsSystem {
 public:
  explicit AsSystem(pqxx::work& tx) : tx_(tx) {
    // Counted only once set: were the statement to throw (a failed transaction, a lost
    // connection), no destructor would run, and a count left behind would skip the setting for
    // every later AsSystem on this thread, each then running as the caller.
    if (depth() == 0) tx_.exec("SELECT set_config('pm.system', 'on', true)");
    ++depth();
  }
  ~AsSystem() {
    if (--depth() > 0 || actor::current().kind == actor::Kind::system) return;
    try {
      tx_.exec("SELECT set_config('pm.system', 'off', true)");
    } catch (...) {  // the transaction failed: it is rolled back, and the setting with it
    }
  }
  AsSystem(const AsSystem&) = delete;
  AsSystem& operator=(const AsSystem&) = delete;

 private:
  static int& depth() {
    thread_local int nested = 0;
    return nested;
  }
  pqxx::work& tx_;
};

enum class Access { read_write, read_only };

// The detail of a commit whose outcome is unknown (the connection went while committing): it may
// have been stored, so it is never run again blindly (transact_retrying).
inline constexpr const char* kCommitInDoubt =
    "the connection was lost while committing; the change may have been stored";

// `fn(pqxx::work&)` returns Result<T>; transact returns it after committing.
template <class Fn>
auto transact(Pool& pool, Fn&& fn, Access access = Access::read_write) -> std::invoke_result_t<Fn, pqxx::work&> {
  using R = std::invoke_result_t<Fn, pqxx::work&>;
  auto lease = PM_TRY(pool.acquire());
  try {
    pqxx::work tx(*lease);
    if (access == Access::read_only) tx.exec("SET TRANSACTION READ ONLY");
    apply_actor(tx);
    R result = fn(tx);
    if (result) tx.commit();
    return result;
  } catch (const pqxx::broken_connection&) {
    return R(std::unexpect, Problem("database-unavailable", "the connection to PostgreSQL was lost"));
  } catch (const pqxx::in_doubt_error&) {
    return R(std::unexpect, Problem("database-unavailable", kCommitInDoubt));
  } catch (const pqxx::transaction_rollback& e) {
    log::warn("transaction_rolled_back", {{"exception", boost::core::demangle(typeid(e).name())}});
    return R(std::unexpect,
             Problem("database-busy", "a concurrent change got in the way; nothing was stored, try again"));
  } catch (const pqxx::sql_error& e) {
    // The statement or lock timeout (PM_DB_STATEMENT_TIMEOUT_MS; 57014 query_canceled, 55P03
    // lock_not_available), e.g. waiting on a row a long transaction holds: a busy database, not
    // the caller's fault, and never an exception that ends a background thread (or, on the
    // handler pool, the process). Any other SQL error is a bug and goes on up.
    if (e.sqlstate() != "57014" && e.sqlstate() != "55P03") throw;
    log::warn("statement_timed_out", {{"sqlstate", e.sqlstate()}});
    return R(std::unexpect, Problem("database-busy", "the database took too long; nothing was stored, try again"));
  }
}

// Within `tx`, statements may run for minutes (the pool's statement timeout is for requests, ~10 s):
// for background work that reads or deletes much at once (a whole index load, retention's sweep).
inline void allow_long_statements(pqxx::work& tx) { tx.exec("SET LOCAL statement_timeout = '5min'"); }

// Within `tx`, a wait for a lock ends in an error (55P03, a database-busy Problem) after `limit`:
// for background work that must not wait forever behind others, or hold others up while it waits
// (a lock it queues for blocks everyone who comes after it).
inline void bound_lock_waits(pqxx::work& tx, std::chrono::seconds limit) {
  tx.exec("SET LOCAL lock_timeout = '" + std::to_string(limit.count()) + "s'");
}

// transact, run again (up to `tries` in all, a moment apart) when it failed for a reason of the
// moment (Problem::is_outage): a deadlock's victim, a serialization failure, a timeout, a
// connection lost before the commit. For background work that has no client to say "try again" to (a batch of
// notifications would otherwise be lost). Not after a commit whose outcome is unknown: it may have
// been stored, and a second run would store it twice.
template <class Fn>
auto transact_retrying(Pool& pool, Fn&& fn, int tries = 3) -> std::invoke_result_t<Fn, pqxx::work&> {
  for (int attempt = 1;; ++attempt) {
    auto result = transact(pool, fn);
    const bool of_the_moment = !result && result.error().is_outage() && result.error().detail != kCommitInDoubt;
    if (!of_the_moment || attempt >= tries) return result;
    std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
  }
}

// Read-only work that may run on the replica (PoolOptions::replica_url): a read-only transaction
// there, or on the primary when there is no replica or it cannot be reached (a replica that is
// down or being rebuilt slows reads down, it never fails them; after a failure, reads stay on the
// primary for a few seconds). A read here sees the caller's own writes because the primary waits
// for the replica to apply each commit (pool.hpp); against an asynchronous replica it could miss
// the last moments' writes (docs/operations.md).
template <class Fn>
auto read(Pool& pool, Fn&& fn) -> std::invoke_result_t<Fn, pqxx::work&> {
  if (Pool* replica = pool.replica_for_reads()) {
    auto result = transact(*replica, fn, Access::read_only);
    if (result || result.error().type != "database-unavailable") return result;
    pool.replica_failed();
  }
  return transact(pool, fn, Access::read_only);
}

}  // namespace pm::db
