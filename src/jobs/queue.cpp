#include "jobs/queue.hpp"

namespace pm::jobs {

void enqueue(pqxx::work& tx, const std::string& kind, const Json& payload) {
  tx.exec_params(
      "INSERT INTO jobs (kind, payload) SELECT $1::varchar, $2::jsonb "
      "WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $1::varchar AND payload = $2::jsonb AND status = 'pending')",
      kind, payload.dump());
}

}  // namespace pm::jobs
