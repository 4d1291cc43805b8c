#include "jobs/repository.hpp"

namespace pm::jobs::repository {

namespace {

// $1 is the kind, $2 the payload (JSON text).
constexpr const char* kInsertUnlessPending = R"sql(
  INSERT INTO jobs (kind, payload) SELECT $1::varchar, $2::jsonb
  WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $1::varchar AND payload = $2::jsonb AND status = 'pending')
)sql";

}  // namespace

void insert_unless_pending(pqxx::work& tx, const std::string& kind, const std::string& payload_json) {
  tx.exec_params(kInsertUnlessPending, kind, payload_json);
}

}  // namespace pm::jobs::repository
