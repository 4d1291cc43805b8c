#pragma once
// All of the job queue's SQL (table jobs). Functions take the caller's transaction.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "jobs/model.hpp"

namespace pm::jobs::repository {

// Inserts a pending job unless one with the same kind and payload (JSON text) is still pending.
void insert_unless_pending(pqxx::work& tx, const std::string& kind, const std::string& payload_json);

// Inserts a pending job of this kind (empty payload) unless one is pending or running, or one
// finished within the last `hours`.
void insert_unless_recent(pqxx::work& tx, const std::string& kind, int hours);

struct ClaimedRow {
  std::string job_id;
  int attempt = 0;  // the attempt this claim made: the claim's token for finish and postpone
  std::string payload_json;
};

// Marks up to `limit` due jobs of this kind running (one more attempt) for `lease_seconds`, oldest
// due first, skipping rows another worker holds: pending ones, and running ones whose lease passed
// (their worker stopped; failed instead after the fifth attempt).
// (Without `abandon_after_fifth`, a job whose lease passed five times is taken again all the same.)
std::vector<ClaimedRow> claim(pqxx::work& tx, const std::string& kind, int limit, int lease_seconds,
                              bool abandon_after_fifth);

// Done; or, with an error, pending again 30 s per attempt so far later, failed after the fifth.
// False, and nothing changed, when the job is no longer this claim's (`attempt`): its lease passed
// and it was taken again.
bool finish(pqxx::work& tx, const std::string& job_id, int attempt, const std::optional<std::string>& error);

// Pending again `delay_seconds` later, the attempt given back (not counted towards the five). False,
// and nothing changed, as for finish.
bool postpone(pqxx::work& tx, const std::string& job_id, int attempt, const std::string& why, int delay_seconds);

// Pending jobs by kind: how many, how long the oldest due one has waited since its run_after, and
// how long the oldest one with a last_error (failed or postponed before) has existed.
std::map<std::string, JobBacklog> pending_by_kind(pqxx::work& tx);

}  // namespace pm::jobs::repository
