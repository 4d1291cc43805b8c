#include "jobs/queue.hpp"

#include "jobs/repository.hpp"

namespace pm::jobs {

void enqueue(pqxx::work& tx, const std::string& kind, const Json& payload) {
  repository::insert_unless_pending(tx, kind, payload.dump());
}

void enqueue_unless_recent(pqxx::work& tx, const std::string& kind, int hours) {
  repository::insert_unless_recent(tx, kind, hours);
}

std::vector<Claimed> claim(pqxx::work& tx, const std::string& kind, int limit) {
  std::vector<Claimed> out;
  for (auto& [job_id, payload] : repository::claim(tx, kind, limit, static_cast<int>(kLease.count())))
    out.push_back({.job_id = std::move(job_id), .payload = Json::parse(payload)});
  return out;
}

void finish(pqxx::work& tx, const std::string& job_id, const std::optional<std::string>& error) {
  repository::finish(tx, job_id, error);
}

void postpone(pqxx::work& tx, const std::string& job_id, const std::string& why, std::chrono::seconds delay) {
  repository::postpone(tx, job_id, why, static_cast<int>(delay.count()));
}

std::map<std::string, JobBacklog> backlog(pqxx::work& tx) { return repository::pending_by_kind(tx); }

}  // namespace pm::jobs
