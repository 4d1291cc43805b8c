#pragma once
// The audit log: security events and access to people's data (a profile viewed, an export, a
// block, a report, a deletion, a key rotation), each with who, what, about whom, the request, the
// IP and the time. Written inside the caller's transaction, so an event is recorded exactly when
// the change it describes is committed. Append-only (migrations/0012), kept
// PM_ACTIVITY_RETENTION_DAYS. Never holds a password, token or email address.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::admin {

struct AuditEntry {
  // The actor; none (or an empty id) for the system, an operator's command, or a failed sign-in
  // for an unknown account.
  std::optional<UserId> user_id;
  std::string event;  // one of the events allowed by migrations/0012 (valid_audit_event)
  std::string ip;     // empty: the current request's (core/actor.hpp), if any
  Json details = Json::object();
  std::optional<UserId> subject_id;  // whom it is about, when not the actor (a profile viewed, a user blocked)
  // A request someone else made, recorded in `user_id`'s own log (a sign-up with their address):
  // no IP address, which is not theirs to see in their log or export (the request id still ties it
  // to the requester's own entries for staff).
  bool someone_elses = false;
  // Not recorded when the same actor's same event about the same subject is younger than this
  // (0: always recorded). For views: a page reloaded in a loop wrote a row each time, without bound.
  std::chrono::seconds unless_recorded_within{0};
};

// Views of one person by another: one entry per this window says who looked at whom, and when,
// which is what a stalking complaint needs.
inline constexpr std::chrono::seconds kViewRecordedOncePer{600};

// Records `entry` with the current request's id (core/actor.hpp).
void record(pqxx::work& tx, const AuditEntry& entry);

// The user's own audit entries, newest first (for the data export).
Json entries_of(pqxx::work& tx, const UserId& user_id);

// A page of the audit trail of one user for staff: the entries by or about them, newest first,
// without IP addresses. `next_before` continues the list (empty on the last page).
struct TrailPage {
  Json entries = Json::array();  // {audit_id, event, actor_id, subject_id, request_id, details, at}
  std::optional<long long> next_before;
  Json to_json() const;
};
TrailPage trail_of(pqxx::work& tx, const UserId& user_id, std::optional<long long> before, int limit);

// Accounts deleted at or after `since` (an ISO time, with 5 s of slack before it for a transaction
// that committed late; empty: none asked), by their deletion's entry: nothing else is left of them.
// With the database's time now, the next look's `since`. (The candidate index's poll drops them.)
struct Deletions {
  std::vector<std::string> user_ids;
  std::string now;
};
Deletions accounts_deleted_since(pqxx::work& tx, const std::string& since);
// Whether account `user_id` was deleted here: the log holds its deletion (for the log's retention,
// 90 days by default). Not merely unknown: a provider's events can name another system's accounts.
bool account_was_deleted(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::admin
