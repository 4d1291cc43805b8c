#include "admin/audit_log.hpp"

#include <optional>

#include "admin/repository.hpp"
#include "core/actor.hpp"

namespace pm::admin {

namespace {

std::optional<std::string> unless_empty(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }
std::optional<UserId> unless_empty(const std::optional<UserId>& id) { return id && !id->empty() ? id : std::nullopt; }

}  // namespace

void record(pqxx::work& tx, const AuditEntry& entry) {
  const auto& actor = actor::current();
  repository::insert(tx,
                     {.user_id = unless_empty(entry.user_id),
                      .event = entry.event,
                      .ip = entry.someone_elses ? std::nullopt : unless_empty(entry.ip.empty() ? actor.ip : entry.ip),
                      .details_json = entry.details.dump(),
                      .subject_id = unless_empty(entry.subject_id),
                      .request_id = unless_empty(actor.request_id),
                      .unless_within_seconds = static_cast<int>(entry.unless_recorded_within.count())});
}

Json entries_of(pqxx::work& tx, const UserId& user_id) {
  Json out = Json::array();
  // All of them: capped at 1,000, a user viewing a dozen profiles a day lost their older sign-ins
  // (with their addresses) from the export within the retention's 90 days.
  for (const auto& row : repository::entries_of(tx, user_id))
    out.push_back({{"event", row.event},
                   {"ip", row.ip ? Json(*row.ip) : Json(nullptr)},
                   {"details", Json::parse(row.details_json)},
                   {"at", row.at}});
  return out;
}

TrailPage trail_of(pqxx::work& tx, const UserId& user_id, std::optional<long long> before, int limit) {
  TrailPage page;
  auto rows = repository::trail_of(tx, user_id, before, limit + 1);  // one more: is there a next page?
  const bool more = static_cast<int>(rows.size()) > limit;
  if (more) rows.pop_back();
  auto or_null = [](const auto& v) { return v ? Json(*v) : Json(nullptr); };
  for (const auto& row : rows)
    page.entries.push_back({{"audit_id", std::to_string(row.audit_id)},
                            {"event", row.event},
                            {"actor_id", or_null(row.actor_id)},
                            {"subject_id", or_null(row.subject_id)},
                            {"request_id", or_null(row.request_id)},
                            {"details", Json::parse(row.details_json)},
                            {"at", row.at}});
  if (more && !rows.empty()) page.next_before = rows.back().audit_id;
  return page;
}

Json TrailPage::to_json() const {
  return {{"entries", entries}, {"next_before", next_before ? Json(std::to_string(*next_before)) : Json(nullptr)}};
}

Deletions accounts_deleted_since(pqxx::work& tx, const std::string& since) {
  auto [ids, now] = repository::deleted_since(tx, since);
  return {.user_ids = std::move(ids), .now = std::move(now)};
}

bool account_was_deleted(pqxx::work& tx, const UserId& user_id) { return repository::was_deleted(tx, user_id); }

}  // namespace pm::admin
