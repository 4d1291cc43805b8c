#pragma once
// All of the audit log's SQL (table audit_log). Functions take the caller's transaction.

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace pm::admin::repository {

struct AuditRow {
  std::string event;
  std::optional<std::string> ip;
  std::string details_json;
  std::string at;  // ISO-8601, UTC
};

void insert(pqxx::work& tx, const std::optional<std::string>& user_id, const std::string& event,
            const std::optional<std::string>& ip, const std::string& details_json);
// The user's newest entries first, at most `limit`.
std::vector<AuditRow> entries_of(pqxx::work& tx, const std::string& user_id, int limit);

}  // namespace pm::admin::repository
