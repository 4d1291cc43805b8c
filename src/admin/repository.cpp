#include "admin/repository.hpp"

namespace pm::admin::repository {

void insert(pqxx::work& tx, const std::optional<std::string>& user_id, const std::string& event,
            const std::optional<std::string>& ip, const std::string& details_json) {
  tx.exec_params("INSERT INTO audit_log (user_id, event, ip, details) VALUES ($1, $2, $3::inet, $4::jsonb)", user_id,
                 event, ip, details_json);
}

std::vector<AuditRow> entries_of(pqxx::work& tx, const std::string& user_id, int limit) {
  std::vector<AuditRow> out;
  for (const auto& row : tx.exec_params("SELECT event, host(ip), details::text, to_char(created_at AT TIME ZONE 'UTC', "
                                        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
                                        "FROM audit_log WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2",
                                        user_id, limit))
    out.push_back({.event = row[0].as<std::string>(),
                   .ip = row[1].is_null() ? std::nullopt : std::optional(row[1].as<std::string>()),
                   .details_json = row[2].as<std::string>(),
                   .at = row[3].as<std::string>()});
  return out;
}

}  // namespace pm::admin::repository
