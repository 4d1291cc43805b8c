#pragma once
// The job queue (table jobs): work a service asks for and the worker does later, queued in the
// same transaction as the change that calls for it.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/json.hpp"
#include "jobs/model.hpp"

namespace pm::jobs {

// Queues a job unless an identical one (same kind and payload) is still pending.
void enqueue(pqxx::work& tx, const std::string& kind, const Json& payload);

// Queues a job of this kind unless one is pending or running, or one finished within `hours`
// (work done on a schedule, such as training).
void enqueue_unless_recent(pqxx::work& tx, const std::string& kind, int hours);

// A job a worker took: it runs it, then calls finish in a transaction of its own.
struct Claimed {
  std::string job_id;
  int attempt = 0;  // which attempt this claim is: finish and postpone act only while it is current
  Json payload;
};

// How long a claimed job is its worker's: after it, the job is taken again (its worker is taken to
// have stopped), once more each time up to the fifth attempt, then it has failed. Longer than any
// job runs (training a model on a million outcomes: ~22 s).
inline constexpr std::chrono::seconds kLease{3600};

// What becomes of a job whose worker stopped while running it five times (its lease passed each
// time): failed, so that a job that stops every worker is not taken for ever; or, for work that
// must happen whatever it costs (a cancellation at the payment provider: lost, the person is
// charged again), taken again after every lease, a worker stopping on it once an hour, for as long
// as it takes someone to see it (it shows as due in the worker's metrics).
enum class Abandon { after_fifth_lease, never };

// Takes up to `limit` due jobs of this kind, oldest first; jobs another worker holds are skipped.
std::vector<Claimed> claim(pqxx::work& tx, const std::string& kind, int limit,
                           Abandon abandon = Abandon::after_fifth_lease);

// Done; with an error, tried again 30 s per attempt so far later, and failed after the fifth.
// A worker that ran past its lease, the job taken again by another, records nothing: the job is the
// other's now (logged as job_claim_lost; false).
bool finish(pqxx::work& tx, const Claimed& job, const std::optional<std::string>& error);

// Not done because something the job needs is down (Redis, a provider), not because of the job:
// tried again after `delay`, and the attempt does not count towards the five, so a job that must
// happen (ending a suspended account's sessions) waits out an outage of any length.
// As for finish, nothing when the job is no longer this claim's (false).
bool postpone(pqxx::work& tx, const Claimed& job, const std::string& why, std::chrono::seconds delay);

// What waits, by kind (the worker's /metrics).
std::map<std::string, JobBacklog> backlog(pqxx::work& tx);

}  // namespace pm::jobs
