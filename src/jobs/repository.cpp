#include "jobs/repository.hpp"

namespace pm::jobs::repository {

namespace {

// $1 is the kind, $2 the payload (JSON text).
constexpr const char* kInsertUnlessPending = R"sql(
  INSERT INTO jobs (kind, payload) SELECT $1::varchar, $2::jsonb
  WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $1::varchar AND payload = $2::jsonb AND status = 'pending')
)sql";

constexpr const char* kPendingByKind = R"sql(
  SELECT kind, count(*) AS waiting,
         COALESCE(EXTRACT(EPOCH FROM now() - min(run_after) FILTER (WHERE run_after <= now())), 0)::float8
           AS oldest_due_seconds
  FROM jobs WHERE status = 'pending' GROUP BY kind
)sql";

}  // namespace

void insert_unless_pending(pqxx::work& tx, const std::string& kind, const std::string& payload_json) {
  tx.exec_params(kInsertUnlessPending, kind, payload_json);
}

std::map<std::string, Backlog> pending_by_kind(pqxx::work& tx) {
  std::map<std::string, Backlog> out;
  for (const auto& row : tx.exec(kPendingByKind)) out[row["kind"].as<std::string>()] = backlog_of(row);
  return out;
}

}  // namespace pm::jobs::repository
