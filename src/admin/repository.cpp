#include "admin/repository.hpp"

#include "db/row.hpp"

namespace pm::admin::repository {

namespace {

constexpr const char* kInsert = R"sql(
  INSERT INTO audit_log (user_id, event, ip, details) VALUES ($1, $2, $3::inet, $4::jsonb)
)sql";
// AuditRow, newest first. The order is a.created_at, qualified: a bare created_at would name the
// text column of that name.
constexpr const char* kEntriesOf = R"sql(
  SELECT event, host(ip) AS ip, details::text,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
  FROM audit_log a WHERE user_id = $1 ORDER BY a.created_at DESC LIMIT $2
)sql";

}  // namespace

void insert(pqxx::work& tx, const std::optional<std::string>& user_id, const std::string& event,
            const std::optional<std::string>& ip, const std::string& details_json) {
  tx.exec_params(kInsert, user_id, event, ip, details_json);
}

std::vector<AuditRow> entries_of(pqxx::work& tx, const std::string& user_id, int limit) {
  std::vector<AuditRow> out;
  for (const auto& row : tx.exec_params(kEntriesOf, user_id, limit))
    out.push_back({.event = row["event"].as<std::string>(),
                   .ip = db::opt<std::string>(row, "ip"),
                   .details_json = row["details"].as<std::string>(),
                   .at = row["created_at"].as<std::string>()});
  return out;
}

}  // namespace pm::admin::repository
