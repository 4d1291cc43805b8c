#include "jobs/repository.hpp"

namespace pm::jobs::repository {

namespace {

// $1 is the kind, $2 the payload (JSON text).
constexpr const char* kInsertUnlessPending = R"sql(
  INSERT INTO jobs (kind, payload) SELECT $1::varchar, $2::jsonb
  WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $1::varchar AND payload = $2::jsonb AND status = 'pending')
)sql";

constexpr const char* kInsertUnlessRecent = R"sql(
  INSERT INTO jobs (kind, payload) SELECT $1::varchar, '{}'::jsonb
  WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $1::varchar
                    AND (status IN ('pending', 'running') OR finished_at > now() - make_interval(hours => $2)))
)sql";

// A claimed job's run_after is its lease: $3 seconds from the claim. A running job whose lease
// has passed was left by a worker that stopped (killed, crashed) and is taken again, one more
// attempt; after its fifth it has failed (kAbandon), so a job that stops every worker is not
// taken forever, and a scheduled one (training) is no longer blocked by it. (As a failed attempt
// (kFail), it gets no finished_at: finished_at is when a job was done.)
constexpr const char* kAbandon = R"sql(
  UPDATE jobs SET status = 'failed', last_error = 'the worker stopped while running it, ' || attempts || ' times'
  WHERE kind = $1::varchar AND status = 'running' AND run_after <= now() AND attempts >= 5
)sql";
constexpr const char* kClaim = R"sql(
  UPDATE jobs SET status = 'running', attempts = attempts + 1, run_after = now() + make_interval(secs => $3)
  WHERE job_id IN (SELECT job_id FROM jobs
                   WHERE kind = $1::varchar AND status IN ('pending', 'running') AND run_after <= now()
                   ORDER BY run_after LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING job_id, payload::text AS payload
)sql";

constexpr const char* kFinish = R"sql(
  UPDATE jobs SET status = 'done', finished_at = now(), last_error = NULL WHERE job_id = $1
)sql";

// Retried after 30 s per attempt so far, failed after the fifth.
constexpr const char* kFail = R"sql(
  UPDATE jobs SET status = CASE WHEN attempts >= 5 THEN 'failed' ELSE 'pending' END, last_error = $2,
                  run_after = now() + make_interval(secs => 30 * attempts)
  WHERE job_id = $1
)sql";

// Not done for a reason outside the job (a store it needs is down): pending again after `$3` seconds,
// and the attempt is given back, so however long the outage lasts the job is not given up.
constexpr const char* kPostpone = R"sql(
  UPDATE jobs SET status = 'pending', attempts = attempts - 1, last_error = $2,
                  run_after = now() + make_interval(secs => $3)
  WHERE job_id = $1
)sql";

constexpr const char* kPendingByKind = R"sql(
  SELECT kind, count(*) AS waiting,
         COALESCE(EXTRACT(EPOCH FROM now() - min(run_after) FILTER (WHERE run_after <= now())), 0)::float8
           AS oldest_due_seconds,
         COALESCE(EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE last_error IS NOT NULL)), 0)::float8
           AS oldest_retrying_seconds
  FROM jobs WHERE status = 'pending' GROUP BY kind
)sql";

}  // namespace

void insert_unless_pending(pqxx::work& tx, const std::string& kind, const std::string& payload_json) {
  tx.exec_params(kInsertUnlessPending, kind, payload_json);
}

void insert_unless_recent(pqxx::work& tx, const std::string& kind, int hours) {
  tx.exec_params(kInsertUnlessRecent, kind, hours);
}

std::vector<std::pair<std::string, std::string>> claim(pqxx::work& tx, const std::string& kind, int limit,
                                                       int lease_seconds) {
  tx.exec_params(kAbandon, kind);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& row : tx.exec_params(kClaim, kind, limit, lease_seconds))
    out.emplace_back(row["job_id"].as<std::string>(), row["payload"].as<std::string>());
  return out;
}

void finish(pqxx::work& tx, const std::string& job_id, const std::optional<std::string>& error) {
  if (!error)
    tx.exec_params(kFinish, job_id);
  else
    tx.exec_params(kFail, job_id, *error);
}

void postpone(pqxx::work& tx, const std::string& job_id, const std::string& why, int delay_seconds) {
  tx.exec_params(kPostpone, job_id, why, delay_seconds);
}

std::map<std::string, JobBacklog> pending_by_kind(pqxx::work& tx) {
  std::map<std::string, JobBacklog> out;
  for (const auto& row : tx.exec(kPendingByKind))
    out[row["kind"].as<std::string>()] = {backlog_of(row), row["oldest_retrying_seconds"].as<double>()};
  return out;
}

}  // namespace pm::jobs::repository
