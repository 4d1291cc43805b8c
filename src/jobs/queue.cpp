#include "jobs/queue.hpp"

#include "jobs/repository.hpp"

namespace pm::jobs {

void enqueue(pqxx::work& tx, const std::string& kind, const Json& payload) {
  repository::insert_unless_pending(tx, kind, payload.dump());
}

std::map<std::string, Backlog> backlog(pqxx::work& tx) { return repository::pending_by_kind(tx); }

}  // namespace pm::jobs
