#pragma once
// A bounded pool of PostgreSQL connections (libpqxx). Connections are opened lazily, checked out
// with a timeout, and dropped when they break so the next checkout reconnects.
//
// With a replica (PoolOptions::replica_url), the pool owns a second pool of the same size on it,
// which db::read() (transaction.hpp) uses for read-only work, and the primary's connections commit
// with synchronous_commit = remote_apply: when the primary names that replica in
// synchronous_standby_names (./pm stack up --replica does), a commit returns only once the replica
// shows it, so a read after a write sees the write, and a promoted replica has every commit.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/config.hpp"
#include "core/problem.hpp"

namespace pm::db {

struct PoolOptions {
  std::string url;
  int size = 8;
  Millis acquire_timeout{2000};
  Millis connect_timeout{3000};
  Millis statement_timeout{10000};
  std::string replica_url;  // empty: no replica

  static PoolOptions from(const Config& config);
};

struct PoolStats {
  int size = 0;    // maximum connections
  int open = 0;    // connections currently open
  int in_use = 0;  // connections checked out
  unsigned long long acquire_timeouts = 0;
};

class Pool {
 public:
  explicit Pool(PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A checked-out connection, returned to the pool when destroyed (or dropped if it broke).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& operator*() { return *conn_; }
    pqxx::connection* operator->() { return conn_.get(); }

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<pqxx::connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Pool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
  };

  // A connection, or a 503 "database-unavailable" problem when none is free in time or the server is down.
  Result<Lease> acquire();
  // Whether PostgreSQL answers a trivial query through this pool (readiness): "ok", or what failed.
  std::string ping();
  PoolStats stats() const;
  // Refuses new checkouts and closes the idle connections (graceful shutdown), the replica's too.
  void close();
  // The replica's pool, or nullptr without one.
  Pool* replica() { return replica_.get(); }
  // The replica's pool for the next read: nullptr without one, or for a while after it failed (so a
  // replica that is down costs one failed connect per few seconds, not one per read).
  Pool* replica_for_reads();
  // Reads leave the replica alone for a while (it could not be reached).
  void replica_failed();

 private:
  void release(std::unique_ptr<pqxx::connection> conn);

  PoolOptions options_;
  std::string conninfo_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;
  int in_use_ = 0;
  bool closed_ = false;
  unsigned long long acquire_timeouts_ = 0;
  std::unique_ptr<Pool> replica_;
  std::atomic<std::chrono::steady_clock::rep> replica_down_until_{0};
};

}  // namespace pm::db
