#pragma once
// All of the audit log's SQL (table audit_log). Functions take the caller's transaction.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "core/id.hpp"

namespace pm::admin::repository {

struct AuditRow {
  std::string event;
  std::optional<std::string> ip;
  std::string details_json;
  std::string at;  // ISO-8601, UTC
};

struct NewEntry {
  std::optional<UserId> user_id;
  std::string event;
  std::optional<std::string> ip;
  std::string details_json;
  std::optional<UserId> subject_id;
  std::optional<std::string> request_id;
  int unless_within_seconds = 0;  // skipped when the actor's same event about the subject is this young
};

void insert(pqxx::work& tx, const NewEntry& entry);

// An entry of the audit trail as staff see it (no IP address).
struct TrailRow {
  long long audit_id = 0;
  std::string event;
  std::optional<UserId> actor_id, subject_id;
  std::optional<std::string> request_id;
  std::string details_json;
  std::string at;  // ISO-8601, UTC
};
// The entries by or about `user_id`, newest first, older than the entry `before` when given; at
// most `limit`.
std::vector<TrailRow> trail_of(pqxx::work& tx, const UserId& user_id, std::optional<long long> before, int limit);
// pm_enforce_retention (migrations/0012): (table, rows deleted) for each table it prunes.
std::vector<std::pair<std::string, long long>> enforce_retention(pqxx::work& tx, int days);
// pm_enforce_partition_retention (migrations/0054): the months of `parent` (audit_log,
// notifications) that end before the cutoff, dropped whole; how many rows went with them.
long long drop_expired_months(pqxx::work& tx, const std::string& parent, int days);
// pm_ensure_partitions (migrations/0019): this month's and the next `months_ahead` months'
// partitions of every partitioned table; how many it had to create.
int ensure_partitions(pqxx::work& tx, int months_ahead);
// The user's entries, newest first: every one the retention keeps (90 days by default), up to
// 100,000 (one export's memory; an account viewing a thousand profiles a day stays well under it).
std::vector<AuditRow> entries_of(pqxx::work& tx, const UserId& user_id);
// The ids of the account_deletion entries at or after `since` (ISO; 5 s of slack; empty: none), and
// the database's time now.
std::pair<std::vector<std::string>, std::string> deleted_since(pqxx::work& tx, const std::string& since);
// Whether the log holds the deletion of account `user_id` (kept for the log's retention).
bool was_deleted(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::admin::repository
