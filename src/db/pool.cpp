#include "db/pool.hpp"

#include <utility>

#include <fmt/format.h>

#include "core/log.hpp"
#include "db/conninfo.hpp"

namespace pm::db {

PoolOptions PoolOptions::from(const Config& config) {
  return {.url = config.database_url,
          .size = config.db_pool_size,
          .acquire_timeout = config.db_acquire_timeout,
          .connect_timeout = config.db_connect_timeout,
          .statement_timeout = config.db_statement_timeout,
          .replica_url = config.database_replica_url};
}

Pool::Pool(PoolOptions options) : options_(std::move(options)) {
  auto seconds = std::max<long long>(1, (options_.connect_timeout.count() + 999) / 1000);
  // JIT off for every statement of the service: PostgreSQL compiles a statement whose estimated
  // cost passes jit_above_cost, and the row-level policies and unanalysed batch tables inflate our
  // estimates far past it. It then spent seconds compiling statements that run in milliseconds (a
  // notification drain at 2 s a call, a matches batch at 2.8 s of 3.8; docs/benchmarks.md), and
  // 3 ms a call on the index's answers page (5 s of a 100,000-user generation). Nothing we run is
  // an analytical query long enough to win it back.
  std::string settings = fmt::format("-c statement_timeout={} -c jit=off", options_.statement_timeout.count());
  if (!options_.replica_url.empty()) {
    settings += " -c synchronous_commit=remote_apply";
    PoolOptions replica = options_;
    replica.url = std::exchange(replica.replica_url, {});
    replica_ = std::make_unique<Pool>(std::move(replica));
  }
  auto conninfo = conninfo_with(
      options_.url,
      {{"connect_timeout", std::to_string(seconds)}, {"application_name", "perfectmatch"}, {"options", settings}});
  if (conninfo)
    conninfo_ = std::move(*conninfo);
  else
    log::error("db_url_invalid", {{"detail", conninfo.error().detail}});
}

Pool::~Pool() { close(); }

Pool::Lease::Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {}

Pool::Lease::~Lease() {
  if (conn_) pool_->release(std::move(conn_));
}

Result<Pool::Lease> Pool::acquire() {
  if (conninfo_.empty())
    return std::unexpected(Problem("database-unavailable", "the PostgreSQL URL is not a valid connection string"));
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  for (;;) {
    if (closed_) return std::unexpected(Problem("database-unavailable", "the server is shutting down"));
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      ++in_use_;
      return Lease(this, std::move(conn));
    }
    if (open_ < options_.size) {
      ++open_;
      ++in_use_;
      lock.unlock();  // connecting takes a round trip or a timeout: never under the lock
      try {
        return Lease(this, std::make_unique<pqxx::connection>(conninfo_));
      } catch (const std::exception& e) {
        log::warn("db_connect_failed", {{"target", describe_target(options_.url)}, {"error", e.what()}});
        lock.lock();
        --open_;
        --in_use_;
        available_.notify_one();
        return std::unexpected(Problem("database-unavailable", "PostgreSQL is not reachable"));
      }
    }
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= options_.size) {
      ++acquire_timeouts_;
      return std::unexpected(Problem("database-busy", fmt::format("no database connection became free within {} ms",
                                                                  options_.acquire_timeout.count())));
    }
  }
}

void Pool::release(std::unique_ptr<pqxx::connection> conn) {
  std::unique_ptr<pqxx::connection> drop;
  {
    std::lock_guard lock(mutex_);
    --in_use_;
    if (closed_ || !conn->is_open()) {
      --open_;
      drop = std::move(conn);  // closed below, outside the lock
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  available_.notify_one();
}

std::string Pool::ping() {
  auto lease = acquire();
  if (!lease) return lease.error().detail;
  try {
    pqxx::nontransaction tx(**lease);
    tx.exec("SELECT 1");
    return "ok";
  } catch (const std::exception&) {
    return "PostgreSQL did not answer";
  }
}

namespace {
// How long reads stay on the primary after the replica failed them.
constexpr auto kReplicaBackOff = std::chrono::seconds(5);
}  // namespace

Pool* Pool::replica_for_reads() {
  if (!replica_) return nullptr;
  if (std::chrono::steady_clock::now().time_since_epoch().count() < replica_down_until_.load()) return nullptr;
  return replica_.get();
}

void Pool::replica_failed() {
  replica_down_until_.store((std::chrono::steady_clock::now() + kReplicaBackOff).time_since_epoch().count());
}

PoolStats Pool::stats() const {
  std::lock_guard lock(mutex_);
  return {.size = options_.size, .open = open_, .in_use = in_use_, .acquire_timeouts = acquire_timeouts_};
}

void Pool::close() {
  std::vector<std::unique_ptr<pqxx::connection>> idle;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    open_ -= static_cast<int>(idle_.size());
    idle.swap(idle_);
  }
  available_.notify_all();
  if (replica_) replica_->close();
}

}  // namespace pm::db
