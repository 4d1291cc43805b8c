#include "admin/repository.hpp"

#include <limits>

#include "db/row.hpp"

namespace pm::admin::repository {

namespace {

constexpr const char* kDeletedSince = R"sql(
  SELECT DISTINCT user_id::text AS user_id FROM audit_log
  WHERE event = 'account_deletion' AND created_at >= $1::timestamptz - interval '5 seconds' AND user_id IS NOT NULL
)sql";
constexpr const char* kWasDeleted = R"sql(
  SELECT EXISTS (SELECT 1 FROM audit_log WHERE user_id = $1 AND event = 'account_deletion') AS deleted
)sql";
constexpr const char* kDatabaseNow =
    R"sql(SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now)sql";
// (The look for a recent twin walks the actor's newest entries: idx_audit_log_user.)
constexpr const char* kInsert = R"sql(
  INSERT INTO audit_log (user_id, event, ip, details, subject_id, request_id)
  SELECT $1::uuid, $2::varchar, $3::inet, $4::jsonb, $5::uuid, left($6, 128)
  WHERE $7::int = 0 OR NOT EXISTS (
    SELECT 1 FROM audit_log a
    WHERE a.user_id = $1::uuid AND a.created_at > now() - make_interval(secs => $7::int)
      AND a.event = $2::varchar AND a.subject_id IS NOT DISTINCT FROM $5::uuid)
)sql";
// Runs as the owner (SECURITY DEFINER): the only way an audit entry is ever deleted.
constexpr const char* kEnforceRetention = R"sql(
  SELECT what, deleted FROM pm_enforce_retention($1)
)sql";
// Runs as the owner: `parent`'s months wholly before the retention's cutoff, dropped; their rows.
constexpr const char* kEnforcePartitionRetention = R"sql(
  SELECT pm_enforce_partition_retention($1, $2) AS dropped
)sql";
// The coming months' partitions of every partitioned table (migrations/0019); how many it made.
constexpr const char* kEnsurePartitions = R"sql(
  SELECT pm_ensure_partitions($1) AS made
)sql";
// AuditRow, newest first. The order is a.created_at, qualified: a bare created_at would name the
// text column of that name.
constexpr const char* kEntriesOf = R"sql(
  SELECT event, host(ip) AS ip, details::text,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
  FROM audit_log a WHERE user_id = $1 ORDER BY a.created_at DESC LIMIT 100000
)sql";

// TrailRow: entries by (user_id) or about (subject_id) the user, each side an index (0012), newest
// first by id (a bigserial, so also in the order they were written).
constexpr const char* kTrailOf = R"sql(
  SELECT audit_id, event, user_id::text AS actor_id, subject_id::text AS subject_id, request_id, details::text,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
  FROM audit_log WHERE (user_id = $1 OR subject_id = $1) AND audit_id < $2
  ORDER BY audit_id DESC LIMIT $3
)sql";

}  // namespace

void insert(pqxx::work& tx, const NewEntry& e) {
  tx.exec_params(kInsert, e.user_id, e.event, e.ip, e.details_json, e.subject_id, e.request_id,
                 e.unless_within_seconds);
}

std::vector<std::pair<std::string, long long>> enforce_retention(pqxx::work& tx, int days) {
  std::vector<std::pair<std::string, long long>> out;
  for (const auto& row : tx.exec_params(kEnforceRetention, days))
    out.emplace_back(row["what"].as<std::string>(), row["deleted"].as<long long>());
  return out;
}

long long drop_expired_months(pqxx::work& tx, const std::string& parent, int days) {
  return tx.exec_params1(kEnforcePartitionRetention, parent, days)["dropped"].as<long long>();
}

int ensure_partitions(pqxx::work& tx, int months_ahead) {
  return tx.exec_params1(kEnsurePartitions, months_ahead)["made"].as<int>();
}

std::vector<AuditRow> entries_of(pqxx::work& tx, const UserId& user_id) {
  std::vector<AuditRow> out;
  for (const auto& row : tx.exec_params(kEntriesOf, user_id))
    out.push_back({.event = row["event"].as<std::string>(),
                   .ip = db::opt<std::string>(row, "ip"),
                   .details_json = row["details"].as<std::string>(),
                   .at = row["created_at"].as<std::string>()});
  return out;
}

std::vector<TrailRow> trail_of(pqxx::work& tx, const UserId& user_id, std::optional<long long> before, int limit) {
  std::vector<TrailRow> out;
  for (const auto& row :
       tx.exec_params(kTrailOf, user_id, before.value_or(std::numeric_limits<long long>::max()), limit))
    out.push_back({.audit_id = row["audit_id"].as<long long>(),
                   .event = row["event"].as<std::string>(),
                   .actor_id = db::opt<UserId>(row, "actor_id"),
                   .subject_id = db::opt<UserId>(row, "subject_id"),
                   .request_id = db::opt<std::string>(row, "request_id"),
                   .details_json = row["details"].as<std::string>(),
                   .at = row["at"].as<std::string>()});
  return out;
}

std::pair<std::vector<std::string>, std::string> deleted_since(pqxx::work& tx, const std::string& since) {
  std::pair<std::vector<std::string>, std::string> out;
  out.second = tx.exec1(kDatabaseNow)["now"].as<std::string>();
  if (since.empty()) return out;
  for (const auto& r : tx.exec_params(kDeletedSince, since)) out.first.push_back(r["user_id"].as<std::string>());
  return out;
}

bool was_deleted(pqxx::work& tx, const UserId& user_id) {
  return tx.exec_params1(kWasDeleted, user_id)["deleted"].as<bool>();
}

}  // namespace pm::admin::repository
