#include "jobs/repository.hpp"

namespace pm::jobs::repository {

namespace {

// Two schedulers queueing the same scheduled work at once each saw none pending (neither sees the
// other's row before it commits) and both queued it: training ran twice. They take turns on one
// lock per kind first, and the second then sees the first's row. (Only here: a job queued with a
// payload is idempotent work, and a bank import queues thousands in one transaction, more locks
// than PostgreSQL's lock table holds.)
constexpr const char* kTakeTurnToSchedule = R"sql(
  SELECT pg_advisory_xact_lock(hashtextextended('jobs.scheduled:' || $1::text, 0))
)sql";
// $1 is the kind, $2 the payload (JSON text).
constexpr const char* kInsertUnlessPending = R"sql(
  INSERT INTO jobs (kind, payload) SELECT $1::varchar, $2::jsonb
  WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $1::varchar AND payload = $2::jsonb AND status = 'pending')
)sql";

// Nor after one that failed for good (its five attempts, a few minutes) was queued within the
// interval: it has no finished_at, and training that fails every time was queued again at once,
// every few minutes, not once an interval.
constexpr const char* kInsertUnlessRecent = R"sql(
  INSERT INTO jobs (kind, payload) SELECT $1::varchar, '{}'::jsonb
  WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $1::varchar
                    AND (status IN ('pending', 'running') OR finished_at > now() - make_interval(hours => $2)
                         OR (status = 'failed' AND created_at > now() - make_interval(hours => $2))))
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
  RETURNING job_id, attempts, payload::text AS payload
)sql";

// Each of the three below records a claimed job's end only while it is still the claim's: running,
// at the attempt the claim made ($2). A worker that outlived its lease (the job taken again by
// another) changes nothing, and the job's record is the other worker's.
// One exception: a success after the fifth attempt's lease passed. kAbandon then failed the job at
// that same attempt, and no worker can take it again, so the work that did finish is recorded
// (otherwise a scheduled job, training, would run again at once for nothing).
constexpr const char* kFinish = R"sql(
  UPDATE jobs SET status = 'done', finished_at = now(), last_error = NULL
  WHERE job_id = $1 AND status IN ('running', 'failed') AND attempts = $2
)sql";

// Retried after 30 s per attempt so far, failed after the fifth.
constexpr const char* kFail = R"sql(
  UPDATE jobs SET status = CASE WHEN attempts >= 5 THEN 'failed' ELSE 'pending' END, last_error = $3,
                  run_after = now() + make_interval(secs => 30 * attempts)
  WHERE job_id = $1 AND status = 'running' AND attempts = $2
)sql";

// Not done for a reason outside the job (a store it needs is down): pending again after `$3` seconds,
// and the attempt is given back, so however long the outage lasts the job is not given up.
constexpr const char* kPostpone = R"sql(
  UPDATE jobs SET status = 'pending', attempts = attempts - 1, last_error = $3,
                  run_after = now() + make_interval(secs => $4)
  WHERE job_id = $1 AND status = 'running' AND attempts = $2
)sql";

// Pending jobs, and running ones whose lease has passed (their worker stopped: due again, and
// with Abandon::never possibly for ever); each side read through its own partial index.
constexpr const char* kPendingByKind = R"sql(
  SELECT kind, count(*) AS waiting,
         COALESCE(EXTRACT(EPOCH FROM now() - min(run_after) FILTER (WHERE run_after <= now())), 0)::float8
           AS oldest_due_seconds,
         COALESCE(EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE last_error IS NOT NULL)), 0)::float8
           AS oldest_retrying_seconds
  FROM (SELECT kind, run_after, created_at, last_error FROM jobs WHERE status = 'pending'
        UNION ALL
        SELECT kind, run_after, created_at, last_error FROM jobs WHERE status = 'running' AND run_after <= now()) j
  GROUP BY kind
)sql";

}  // namespace

void insert_unless_pending(pqxx::work& tx, const std::string& kind, const std::string& payload_json) {
  tx.exec_params(kInsertUnlessPending, kind, payload_json);
}

void insert_unless_recent(pqxx::work& tx, const std::string& kind, int hours) {
  tx.exec_params(kTakeTurnToSchedule, kind);
  tx.exec_params(kInsertUnlessRecent, kind, hours);
}

std::vector<ClaimedRow> claim(pqxx::work& tx, const std::string& kind, int limit, int lease_seconds,
                              bool abandon_after_fifth) {
  if (abandon_after_fifth) tx.exec_params(kAbandon, kind);
  std::vector<ClaimedRow> out;
  for (const auto& row : tx.exec_params(kClaim, kind, limit, lease_seconds))
    out.push_back({.job_id = row["job_id"].as<std::string>(),
                   .attempt = row["attempts"].as<int>(),
                   .payload_json = row["payload"].as<std::string>()});
  return out;
}

bool finish(pqxx::work& tx, const std::string& job_id, int attempt, const std::optional<std::string>& error) {
  const auto r = error ? tx.exec_params(kFail, job_id, attempt, *error) : tx.exec_params(kFinish, job_id, attempt);
  return r.affected_rows() == 1;
}

bool postpone(pqxx::work& tx, const std::string& job_id, int attempt, const std::string& why, int delay_seconds) {
  return tx.exec_params(kPostpone, job_id, attempt, why, delay_seconds).affected_rows() == 1;
}

std::map<std::string, JobBacklog> pending_by_kind(pqxx::work& tx) {
  std::map<std::string, JobBacklog> out;
  for (const auto& row : tx.exec(kPendingByKind))
    out[row["kind"].as<std::string>()] = {backlog_of(row), row["oldest_retrying_seconds"].as<double>()};
  return out;
}

}  // namespace pm::jobs::repository
