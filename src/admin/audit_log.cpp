#include "admin/audit_log.hpp"

#include <optional>

namespace pm::admin {

void record(pqxx::work& tx, const AuditEntry& entry) {
  std::optional<std::string> user = entry.user_id.empty() ? std::nullopt : std::optional(entry.user_id);
  std::optional<std::string> ip = entry.ip.empty() ? std::nullopt : std::optional(entry.ip);
  tx.exec_params("INSERT INTO audit_log (user_id, event, ip, details) VALUES ($1, $2, $3::inet, $4::jsonb)", user,
                 entry.event, ip, entry.details.dump());
}

Json entries_of(pqxx::work& tx, const std::string& user_id) {
  Json out = Json::array();
  for (const auto& row : tx.exec_params("SELECT event, host(ip), details::text, to_char(created_at AT TIME ZONE 'UTC', "
                                        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
                                        "FROM audit_log WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1000",
                                        user_id))
    out.push_back({{"event", row[0].as<std::string>()},
                   {"ip", row[1].is_null() ? Json(nullptr) : Json(row[1].as<std::string>())},
                   {"details", Json::parse(row[2].as<std::string>())},
                   {"at", row[3].as<std::string>()}});
  return out;
}

}  // namespace pm::admin
