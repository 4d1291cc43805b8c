#include "jobs/queue.hpp"

#include "core/log.hpp"
#include "jobs/repository.hpp"

namespace pm::jobs {

void enqueue(pqxx::work& tx, const std::string& kind, const Json& payload) {
  repository::insert_unless_pending(tx, kind, payload.dump());
}

void enqueue_unless_recent(pqxx::work& tx, const std::string& kind, int hours) {
  repository::insert_unless_recent(tx, kind, hours);
}

std::vector<Claimed> claim(pqxx::work& tx, const std::string& kind, int limit, Abandon abandon) {
  std::vector<Claimed> out;
  for (auto& row :
       repository::claim(tx, kind, limit, static_cast<int>(kLease.count()), abandon == Abandon::after_fifth_lease))
    out.push_back({.job_id = std::move(row.job_id), .attempt = row.attempt, .payload = Json::parse(row.payload_json)});
  return out;
}

namespace {

bool still_claimed(bool recorded, const Claimed& job) {
  if (!recorded) log::warn("job_claim_lost", {{"job_id", job.job_id}, {"attempt", job.attempt}});
  return recorded;
}

}  // namespace

bool finish(pqxx::work& tx, const Claimed& job, const std::optional<std::string>& error) {
  return still_claimed(repository::finish(tx, job.job_id, job.attempt, error), job);
}

bool postpone(pqxx::work& tx, const Claimed& job, const std::string& why, std::chrono::seconds delay) {
  return still_claimed(repository::postpone(tx, job.job_id, job.attempt, why, static_cast<int>(delay.count())), job);
}

std::map<std::string, JobBacklog> backlog(pqxx::work& tx) { return repository::pending_by_kind(tx); }

}  // namespace pm::jobs
