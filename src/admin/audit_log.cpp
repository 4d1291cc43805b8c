#include "admin/audit_log.hpp"

#include <optional>

#include "admin/repository.hpp"
#include "core/actor.hpp"

namespace pm::admin {

namespace {

std::optional<std::string> unless_empty(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }

}  // namespace

void record(pqxx::work& tx, const AuditEntry& entry) {
  const auto& actor = actor::current();
  repository::insert(tx, {.user_id = unless_empty(entry.user_id),
                          .event = entry.event,
                          .ip = unless_empty(entry.ip.empty() ? actor.ip : entry.ip),
                          .details_json = entry.details.dump(),
                          .subject_id = unless_empty(entry.subject_id),
                          .request_id = unless_empty(actor.request_id)});
}

Json entries_of(pqxx::work& tx, const std::string& user_id) {
  Json out = Json::array();
  for (const auto& row : repository::entries_of(tx, user_id, 1000))
    out.push_back({{"event", row.event},
                   {"ip", row.ip ? Json(*row.ip) : Json(nullptr)},
                   {"details", Json::parse(row.details_json)},
                   {"at", row.at}});
  return out;
}

}  // namespace pm::admin
