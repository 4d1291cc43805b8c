#pragma once
// All of the staff module's SQL. Functions take the caller's transaction, which runs as the system
// (the routes checked the caller's role first): staff read other users' rows.
// Cross-module reads (docs/architecture.md): users, user_reports, profile_media's keys are read
// through profiles::Photos; the reported pair's messages (messaging's tables) and the plan
// (subscription_details) for a look-up.

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"
#include "staff/model.hpp"

namespace pm::staff::repository {

std::optional<Role> role_of(pqxx::work& tx, const UserId& user_id);
void set_role(pqxx::work& tx, const UserId& user_id, Role role);
// Whether the user had a role to revoke.
bool revoke_role(pqxx::work& tx, const UserId& user_id);

// What staff see of an account: name, dates, visibility, restrictions, role, plan, reports against it.
std::optional<Json> user_summary(pqxx::work& tx, const UserId& user_id);
// The reported user's profile as a moderator sees it (nullopt when the account is gone).
std::optional<Json> reported_profile(pqxx::work& tx, const UserId& user_id);
// The messages of the conversation between the two users, newest first (at most `limit`).
Json messages_between(pqxx::work& tx, const UserId& a, const UserId& b, int limit);

// Reports with `status` (open, reviewed, dismissed), oldest first, at most `limit`.
// The queue without the reports `staff_id` made or that are about them: open ones oldest first (a
// queue), resolved ones newest decision first (what was decided lately: oldest first, the newest
// were out of reach past the first 100).
std::vector<Report> reports(pqxx::work& tx, const std::string& status, int limit, const UserId& staff_id);
// One report, locked for the action on it.
std::optional<Report> report_for_update(pqxx::work& tx, const std::string& report_id);
std::optional<Report> report(pqxx::work& tx, const std::string& report_id);
// Closes an open report: status (reviewed or dismissed), how, by whom. False if it was not open.
bool resolve(pqxx::work& tx, const std::string& report_id, const std::string& status, Action how,
             const std::string& by);

}  // namespace pm::staff::repository
