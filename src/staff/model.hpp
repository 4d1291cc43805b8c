#pragma once
// Staff and moderation as the admin API shows them: roles, the reports queue with what was
// reported, a user looked up by a member of staff, and the actions taken on a report.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/id.hpp"

#include "core/json.hpp"
#include "core/problem.hpp"

namespace pm::staff {

// A member of staff's role; an admin may do everything a moderator may, and grant plans.
enum class Role { moderator, admin };
std::string_view to_string(Role role);
std::optional<Role> role_from(std::string_view name);

// What a moderator does about a report.
enum class Action { dismiss, warn, suspend, ban, remove_photo };
std::string_view to_string(Action action);
std::optional<Action> action_from(std::string_view name);

// POST /api/v1/admin/reports/{id}/actions: {action, days (suspend: 1-3650), media_id (remove_photo), note}.
struct ActionInput {
  Action action = Action::dismiss;
  int days = 0;
  std::string media_id;
  std::string note;
  static Result<ActionInput> parse(const Json& body);
};

// POST /api/v1/admin/users/{id}/plan: {plan_id, days (1-3650)}.
struct PlanGrantInput {
  std::string plan_id;
  int days = 30;
  static Result<PlanGrantInput> parse(const Json& body);
};

// A report in the queue (the list) or with what was reported (one report).
struct Report {
  std::string report_id, reason, status, created_at;
  std::optional<UserId> reporter_id, reported_id;
  std::optional<std::string> details, resolution, resolved_by, resolved_at;
  // First names, for people to read (null: the account is gone).
  std::optional<std::string> reported_name, resolved_by_name;
  Json reported = nullptr;  // one report only: {profile, photos, messages}

  Json to_json() const {
    auto o = [](const auto& v) { return v ? Json(*v) : Json(nullptr); };
    Json out = {{"report_id", report_id},
                {"reason", reason},
                {"status", status},
                {"created_at", created_at},
                {"reporter_id", o(reporter_id)},
                {"reported_id", o(reported_id)},
                {"details", o(details)},
                {"resolution", o(resolution)},
                {"resolved_by", o(resolved_by)},
                {"resolved_at", o(resolved_at)},
                {"reported_name", o(reported_name)},
                {"resolved_by_name", o(resolved_by_name)}};
    if (!reported.is_null()) out["reported"] = reported;
    return out;
  }
};

struct ReportPage {
  std::vector<Report> reports;
  Json to_json() const {
    Json items = Json::array();
    for (const auto& r : reports) items.push_back(r.to_json());
    return {{"reports", items}};
  }
};

}  // namespace pm::staff
