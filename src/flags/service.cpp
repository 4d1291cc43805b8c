#include "flags/service.hpp"

#include <algorithm>
#include <vector>

#include "admin/audit_log.hpp"
#include "core/actor.hpp"
#include "core/log.hpp"
#include "core/validation.hpp"
#include "db/transaction.hpp"
#include "flags/repository.hpp"
#include "subscriptions/entitlements.hpp"

namespace pm::flags {

namespace {

// The seed's key of one flag, and the set of the keys of every flag (a name no flag's key can
// make: keys have no ':').
constexpr std::string_view kKeyPrefix = "feature_flags:";
constexpr std::string_view kIndex = "feature_flags";
// A count of the changes mirrored by the servers that made them (no flag's key can make it either).
// A reconcile writes the mirror only if the count is what it was before it read PostgreSQL: else a
// change committed and mirrored meanwhile (a kill switch) would be overwritten by the older read,
// and every server would follow the old value until the next reconcile, up to a minute later.
constexpr std::string_view kChanges = "feature_flags::changes";

// KEYS: the set, the count. ARGV: the count seen before the read ('' for none), the keys' prefix,
// then each flag's key and mirror value. Keys of flags not among them go. 0: the count moved.
constexpr const char* kWriteAllIfUnchanged = R"(
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
local keep = {}
for i = 3, #ARGV, 2 do keep[ARGV[i]] = true end
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not keep[name] then
    redis.call('SREM', KEYS[1], name)
    redis.call('DEL', ARGV[2] .. name)
  end
end
for i = 3, #ARGV, 2 do
  redis.call('SET', ARGV[2] .. ARGV[i], ARGV[i + 1])
  redis.call('SADD', KEYS[1], ARGV[i])
end
return 1)";
// One change, with the count, at once. KEYS: the flag's key, the set, the count. ARGV: the flag,
// its mirror value ('' when deleted).
constexpr const char* kWriteOne = R"(
if ARGV[2] == '' then
  redis.call('SREM', KEYS[2], ARGV[1])
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[1])
end
return redis.call('INCR', KEYS[3]))";

std::string redis_key(std::string_view key) { return std::string(kKeyPrefix) + std::string(key); }

Problem no_such_flag() { return Problem("not-found", "there is no feature flag with this key"); }

}  // namespace

// ---------- admins ----------

Result<FlagList> Service::list() {
  actor::Scope as_system(actor::Scope::system());
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<FlagList> { return FlagList{repository::all(tx)}; });
}

Result<Flag> Service::get(const std::string& key) {
  if (!valid_key(key)) return std::unexpected(no_such_flag());
  actor::Scope as_system(actor::Scope::system());
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<Flag> {
    auto flag = repository::find(tx, key);
    if (!flag) return std::unexpected(no_such_flag());
    return *flag;
  });
}

Result<Service::Put> Service::put(const UserId& staff_id, const std::string& key, const FlagInput& in) {
  if (!valid_key(key))
    return std::unexpected(invalid_field("key", "a flag's key is 1-50 characters: a-z first, then a-z, 0-9, _ or -"));
  if (!in.plans.empty()) {
    auto offered = PM_TRY(d_.subscriptions.plans());
    for (const auto& p : in.plans)
      if (std::none_of(offered.plans.begin(), offered.plans.end(), [&](const auto& plan) { return plan.plan_id == p; }))
        return std::unexpected(invalid_field("plans", "'" + p.substr(0, 50) + "' is not a plan (GET /api/v1/plans)"));
  }
  actor::Scope as_system(actor::Scope::system());
  auto done = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<Put> {
    auto before = repository::find(tx, key, true);
    Put out{.flag = repository::upsert(tx, key, in, staff_id), .created = !before};
    admin::record(tx, {.user_id = staff_id,
                       .event = "feature_flag_changed",
                       .details = {{"flag", key},
                                   {"before", before ? before->mirror_json() : Json(nullptr)},
                                   {"after", out.flag.mirror_json()}}});
    return out;
  }));
  mirror_one(key, done.flag);
  forget_snapshot();
  return done;
}

Result<void> Service::remove(const UserId& staff_id, const std::string& key) {
  if (!valid_key(key)) return std::unexpected(no_such_flag());
  actor::Scope as_system(actor::Scope::system());
  PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    auto before = repository::find(tx, key, true);
    if (!before || !repository::remove(tx, key)) return std::unexpected(no_such_flag());
    admin::record(tx, {.user_id = staff_id,
                       .event = "feature_flag_deleted",
                       .details = {{"flag", key}, {"before", before->mirror_json()}}});
    return {};
  }));
  mirror_one(key, std::nullopt);
  forget_snapshot();
  return {};
}

Result<int> Service::mirror_all() {
  std::optional<Problem> unmirrored;
  auto flags = PM_TRY(reconcile(unmirrored));
  if (unmirrored) return std::unexpected(*unmirrored);
  return static_cast<int>(flags.size());
}

// ---------- the mirror ----------

Result<Service::MirrorRead> Service::read_for_mirror() {
  MirrorRead out;
  // Redis down: PostgreSQL is read all the same, and nothing will be written.
  if (auto changes = cache::succeeded(d_.redis.command({"GET", kChanges})))
    out.changes_seen = changes->is_nil() ? "" : std::string(changes->str());
  out.flags = PM_TRY(from_postgres());
  if (d_.after_reconcile_read) d_.after_reconcile_read();
  return out;
}

Result<bool> Service::write_mirror(const MirrorRead& read) {
  if (!read.changes_seen) return std::unexpected(Problem("cache-unavailable", "Redis did not answer before the read"));
  std::vector<std::string> command{"EVAL",
                                   kWriteAllIfUnchanged,
                                   "2",
                                   std::string(kIndex),
                                   std::string(kChanges),
                                   *read.changes_seen,
                                   std::string(kKeyPrefix)};
  for (const auto& [key, flag] : read.flags) command.insert(command.end(), {key, flag.mirror_json().dump()});
  auto written = PM_TRY(cache::succeeded(d_.redis.command(command)));
  return written.integer() == 1;
}

Result<Service::Snapshot> Service::reconcile(std::optional<Problem>& unmirrored) {
  for (int attempt = 1;; ++attempt) {
    auto read = PM_TRY(read_for_mirror());
    auto written = write_mirror(read);
    if (!written) unmirrored = written.error();
    // Not written: a change was mirrored since the read, which is read again (a mirror left as it
    // was could lack flags, after a flush). A burst of changes may outlast the tries; the next
    // reconcile writes then.
    if (!written || *written || attempt == 3) return std::move(read.flags);
  }
}

void Service::mirror_one(const std::string& key, const std::optional<Flag>& flag) {
  auto done = cache::succeeded(
      d_.redis.command({"EVAL", kWriteOne, "3", redis_key(key), std::string(kIndex), std::string(kChanges), key,
                        flag ? flag->mirror_json().dump() : std::string()}));
  if (!done)
    log::warn("feature_flag_mirror_failed",
              {{"flag", key}, {"problem", done.error().type}, {"next", "reconciled from PostgreSQL"}});
}

Result<std::optional<Service::Snapshot>> Service::from_redis() {
  auto members = cache::succeeded(d_.redis.command({"SMEMBERS", kIndex}));
  if (!members) return std::unexpected(members.error());
  if (members->size() == 0) return std::optional<Snapshot>();  // no flags mirrored (a flushed or new Redis)
  std::vector<std::string> keys, args{"MGET"};
  for (std::size_t i = 0; i < members->size(); ++i) {
    keys.emplace_back(members->element(i).str());
    args.push_back(redis_key(keys.back()));
  }
  auto values = cache::succeeded(d_.redis.command(args));
  if (!values) return std::unexpected(values.error());
  Snapshot out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto value = values->element(i);
    if (value.is_nil()) return std::optional<Snapshot>();  // the set names a key that is gone
    auto doc = parse_json(value.str());
    auto flag = doc ? Flag::from_mirror(keys[i], *doc) : std::optional<Flag>();
    if (!flag) return std::optional<Snapshot>();  // not a mirror value: rewrite it from PostgreSQL
    out.emplace(keys[i], std::move(*flag));
  }
  return std::optional<Snapshot>(std::move(out));
}

Result<Service::Snapshot> Service::from_postgres() {
  actor::Scope as_system(actor::Scope::system());
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<Snapshot> {
    Snapshot out;
    for (auto& f : repository::all(tx)) out.emplace(f.key, std::move(f));
    return out;
  });
}

// ---------- the local snapshot ----------

std::optional<Service::Snapshot> Service::load(bool have_one) {
  const auto now = Steady::now();
  bool reconcile_due = false;
  {
    MutexLock lock(mutex_);
    reconcile_due = !reconciled_at_ || now - *reconciled_at_ >= d_.reconcile_every;
  }
  if (!reconcile_due) {
    auto mirrored = from_redis();
    if (mirrored && *mirrored) return std::move(**mirrored);
    if (!mirrored) {
      log::warn("feature_flags_redis_unavailable",
                {{"problem", mirrored.error().type}, {"next", have_one ? "last known flags" : "PostgreSQL"}});
      if (have_one) return std::nullopt;
    }
  }
  std::optional<Problem> unmirrored;
  auto stored = reconcile(unmirrored);
  if (!stored) {
    log::warn("feature_flags_postgres_unavailable", {{"problem", stored.error().type}});
    return std::nullopt;
  }
  if (unmirrored) log::warn("feature_flag_mirror_failed", {{"problem", unmirrored->type}, {"next", "retried"}});
  {
    MutexLock lock(mutex_);
    reconciled_at_ = now;
  }
  return std::move(*stored);
}

std::shared_ptr<const Service::Snapshot> Service::snapshot() {
  std::shared_ptr<const Snapshot> current;
  {
    MutexLock lock(mutex_);
    if (snapshot_ && Steady::now() - loaded_at_ < d_.cache_ttl) return snapshot_;
    current = snapshot_;
  }
  // One refresh at a time: the others go on with the snapshot there is (a server without one waits).
  std::unique_lock refresh(refresh_, std::try_to_lock);
  if (!refresh.owns_lock()) {
    if (current) return current;
    refresh.lock();
    MutexLock lock(mutex_);
    if (snapshot_ && Steady::now() - loaded_at_ < d_.cache_ttl) return snapshot_;
  }
  std::uint64_t generation = 0;
  {
    MutexLock lock(mutex_);
    generation = generation_;
  }
  auto fresh = load(current != nullptr);
  MutexLock lock(mutex_);
  if (fresh)
    snapshot_ = std::make_shared<const Snapshot>(std::move(*fresh));
  else if (!snapshot_)
    snapshot_ = std::make_shared<const Snapshot>();  // nothing readable: the code's defaults until the next try
  // A change made here while this refresh read: what was read may predate it, so it is not trusted.
  loaded_at_ = generation == generation_ ? Steady::now() : Steady::time_point{};
  return snapshot_;
}

void Service::forget_snapshot() {
  MutexLock lock(mutex_);
  loaded_at_ = Steady::time_point{};
  ++generation_;
}

// ---------- evaluation ----------

std::string Service::plan_of(const UserId& user) {
  actor::Scope as_system(actor::Scope::system());  // reads only this user's subscription
  auto plan = db::transact(
      d_.db, [&](pqxx::work& tx) -> Result<std::string> { return subscriptions::entitlements_of(tx, user).plan_id; });
  if (!plan) {
    log::warn("feature_flag_plan_unavailable", {{"problem", plan.error().type}, {"next", "free plan"}});
    return subscriptions::kFreePlan;
  }
  return *plan;
}

std::optional<Evaluation> Service::evaluate(std::string_view key, const UserId& user) {
  auto flags = snapshot();
  auto it = flags->find(std::string(key));
  if (it == flags->end()) return std::nullopt;
  const Flag& flag = it->second;
  const bool needs_plan = flag.enabled && !flag.plans.empty();
  return flags::evaluate(flag, user.str(), needs_plan ? plan_of(user) : std::string(subscriptions::kFreePlan));
}

bool Service::is_on(std::string_view key, const UserId& user, bool if_unknown) {
  auto e = evaluate(key, user);
  return e ? e->enabled : if_unknown;
}

Result<Features> Service::features_for(const UserId& user) {
  auto flags = snapshot();
  const bool needs_plan = std::any_of(flags->begin(), flags->end(),
                                      [](const auto& f) { return f.second.enabled && !f.second.plans.empty(); });
  const std::string plan = needs_plan ? plan_of(user) : std::string(subscriptions::kFreePlan);
  Features out;
  for (const auto& [key, flag] : *flags) out.flags.emplace(key, flags::evaluate(flag, user.str(), plan));
  return out;
}

}  // namespace pm::flags
