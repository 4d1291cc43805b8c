#pragma once
// Feature flags: PostgreSQL holds them (the source of truth), Redis mirrors each one under the
// seed's key feature_flags:{key} (plus the set `feature_flags` of the keys), and every server reads
// them through a local in-process snapshot trusted for `cache_ttl` (a few seconds).
//
// Reading, once the snapshot is older than cache_ttl: the mirror (SMEMBERS feature_flags, then
// MGET). If Redis answers but lacks the set or a key (flushed, a new instance), PostgreSQL is read
// and the mirror written again. If Redis does not answer, the last known snapshot stays in use (a
// server that never had one reads PostgreSQL). Every `reconcile_every` a server reads PostgreSQL
// instead and rewrites the mirror, so a change whose mirror write failed (Redis down at the time)
// still reaches every server; unless a change was mirrored since its read (feature_flags::changes
// counts them), whose value then stands. One thread refreshes; the others keep using the snapshot meanwhile.
//
// Admins change flags (the routes check the role): the change and its audit entry commit together
// in PostgreSQL, then the mirror is written and this server's snapshot dropped.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "cache/redis.hpp"
#include "core/config.hpp"
#include "core/id.hpp"
#include "core/mutex.hpp"
#include "db/pool.hpp"
#include "flags/model.hpp"
#include "subscriptions/service.hpp"

namespace pm::flags {

class Service {
 public:
  struct Deps {
    db::Pool& db;
    cache::RedisPool& redis;
    subscriptions::Service& subscriptions;  // plan ids a flag may name
    Millis cache_ttl{5000};                 // PM_FLAG_CACHE_MS
    Millis reconcile_every{60000};          // PostgreSQL read and the mirror rewritten
    // Tests: runs between a reconcile's read of PostgreSQL and its write of the mirror (where a
    // change made on another server meanwhile must not be overwritten).
    std::function<void()> after_reconcile_read = {};
  };
  explicit Service(Deps deps) : d_(deps) {}

  // ---- admins (the routes checked the role; staff_id is the actor in the audit log) ----
  Result<FlagList> list();
  Result<Flag> get(const std::string& key);
  // Creates (created true) or replaces the flag; audited (feature_flag_changed, before and after).
  struct Put {
    Flag flag;
    bool created = false;
  };
  Result<Put> put(const UserId& staff_id, const std::string& key, const FlagInput& input);
  // 404 for an unknown flag; audited (feature_flag_deleted). A deleted flag the code asks about
  // takes the code's default (is_on's if_unknown).
  Result<void> remove(const UserId& staff_id, const std::string& key);
  // Writes every flag of PostgreSQL to the mirror and removes keys of deleted ones; how many.
  Result<int> mirror_all();

  // ---- evaluation (never fails: a store that cannot be read gives the last known flags) ----
  // The flag for this user; nullopt when no such flag is known.
  std::optional<Evaluation> evaluate(std::string_view key, const UserId& user);
  // Whether the flag is on for the user; `if_unknown` when no such flag is known.
  bool is_on(std::string_view key, const UserId& user, bool if_unknown);
  // GET /api/v1/features: every flag, evaluated for the user.
  Result<Features> features_for(const UserId& user);

  // Forgets the local snapshot: the next read goes to Redis (tests, and after a change here).
  void forget_snapshot();

 private:
  using Snapshot = std::map<std::string, Flag>;
  using Steady = std::chrono::steady_clock;

  // The flags as this server knows them now (refreshed when older than cache_ttl).
  std::shared_ptr<const Snapshot> snapshot();
  // A fresh snapshot, or nullopt to keep the one there is.
  std::optional<Snapshot> load(bool have_one);
  // From the mirror: an error when Redis does not answer, nullopt when it lacks the flags.
  Result<std::optional<Snapshot>> from_redis();
  Result<Snapshot> from_postgres();
  // PostgreSQL's flags, and the mirror's count of changes read before them (nullopt: Redis did
  // not answer).
  struct MirrorRead {
    std::optional<std::string> changes_seen;
    Snapshot flags;
  };
  Result<MirrorRead> read_for_mirror();
  // Writes the flags to the mirror and removes the keys of flags not among them, unless a change
  // was mirrored since the read (its value stands; the count says so): false then.
  Result<bool> write_mirror(const MirrorRead& read);
  // PostgreSQL's flags, written to the mirror (read again while a change was mirrored meanwhile,
  // up to 3 reads). An error: PostgreSQL could not be read; `unmirrored`: Redis took nothing.
  Result<Snapshot> reconcile(std::optional<Problem>& unmirrored);
  // After a change here, with the count (best effort: a failure is logged; the next reconcile
  // repairs it). nullopt: the flag was deleted.
  void mirror_one(const std::string& key, const std::optional<Flag>& flag);
  // The user's plan in force, for flags that name plans ("free" when it cannot be read).
  std::string plan_of(const UserId& user);

  Deps d_;
  Mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_ PM_GUARDED_BY(mutex_);
  Steady::time_point loaded_at_ PM_GUARDED_BY(mutex_);
  std::optional<Steady::time_point> reconciled_at_ PM_GUARDED_BY(mutex_);
  std::uint64_t generation_ PM_GUARDED_BY(mutex_) = 0;  // changes made here (forget_snapshot)
  std::mutex refresh_;                                  // one refresh at a time
};

}  // namespace pm::flags
