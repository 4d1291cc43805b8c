#include "staff/repository.hpp"

#include "db/row.hpp"

namespace pm::staff::repository {

namespace {

constexpr const char* kRoleOf = R"sql(SELECT role FROM staff_members WHERE user_id = $1)sql";
constexpr const char* kSetRole = R"sql(
  INSERT INTO staff_members (user_id, role) VALUES ($1, $2)
  ON CONFLICT (user_id) DO UPDATE SET role = EXCLUDED.role, granted_at = now()
)sql";
constexpr const char* kRevokeRole = R"sql(DELETE FROM staff_members WHERE user_id = $1 RETURNING user_id)sql";
constexpr const char* kUserSummary = R"sql(
  SELECT jsonb_build_object(
    'user_id', u.user_id, 'first_name', u.first_name, 'gender', u.gender,
    'age', date_part('year', age(u.birth_date))::int, 'location', u.location,
    'profile_visibility', u.profile_visibility, 'email_verified', u.email_verified_at IS NOT NULL,
    'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    -- the day, as every other reader sees it: support needs no timeline of someone's day
    'last_active', to_char(date_trunc('day', u.last_active AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'suspended_until', CASE WHEN u.suspended_until > now()
                            THEN to_char(u.suspended_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END,
    'banned_at', to_char(u.banned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'staff_role', (SELECT role FROM staff_members sm WHERE sm.user_id = u.user_id),
    'subscription', (SELECT jsonb_build_object(
                       'plan_id', s.plan_type, 'status', s.payment_status, 'payment_method', s.payment_method,
                       'period_end', to_char(s.end_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                     FROM plan_standings s WHERE s.user_id = u.user_id),
    -- By how many people: one person's reports again and again (up to the day's budget) would make
    -- someone look widely reported. (A reporter since deleted counts once per report.)
    'reports_against', (SELECT count(DISTINCT coalesce(r.reporter_id, r.report_id)) FROM report_queue r
                        WHERE r.reported_id = u.user_id),
    'open_reports_against', (SELECT count(DISTINCT coalesce(r.reporter_id, r.report_id)) FROM report_queue r
                             WHERE r.reported_id = u.user_id AND r.status = 'open'))::text AS summary
  FROM user_profiles u WHERE u.user_id = $1
)sql";
constexpr const char* kReportedProfile = R"sql(
  SELECT jsonb_build_object(
    'user_id', u.user_id, 'first_name', u.first_name, 'bio', u.bio, 'gender', u.gender,
    'age', date_part('year', age(u.birth_date))::int, 'location', u.location,
    'profile_visibility', u.profile_visibility,
    'suspended_until', CASE WHEN u.suspended_until > now()
                            THEN to_char(u.suspended_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END,
    'banned', u.banned_at IS NOT NULL)::text AS profile
  FROM user_profiles u WHERE u.user_id = $1
)sql";
constexpr const char* kMessagesBetween = R"sql(
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'message_id', x.message_id, 'sender_id', x.sender_id, 'message_type', x.message_type,
           'content', x.content, 'has_image', x.media_url IS NOT NULL,
           'sent_at', to_char(x.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
         ORDER BY x.sent_at DESC, x.message_id), '[]'::jsonb)::text AS messages
  FROM (SELECT msg.* FROM conversation_messages msg
        WHERE (msg.user_id_1 = $1 AND msg.user_id_2 = $2) OR (msg.user_id_1 = $2 AND msg.user_id_2 = $1)
        ORDER BY msg.sent_at DESC, msg.message_id LIMIT $3) x
)sql";
// A report (report_queue) as staff see it: with the first names of the person reported and of the
// staff member who decided it, so that a queue or a list of decisions reads as people, not ids.
constexpr std::string_view kReportColumns = R"sql(
  SELECT report_id, reporter_id, reported_id, reason, details, status, resolution, resolved_by,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
         to_char(resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS resolved_at,
         (SELECT u.first_name FROM user_profiles u WHERE u.user_id = report_queue.reported_id) AS reported_name,
         (SELECT u.first_name FROM user_profiles u WHERE u.user_id = report_queue.resolved_by) AS resolved_by_name
  FROM report_queue
)sql";
// The open queue oldest first (idx_user_reports_status serves it in order); resolved ones newest
// decision first.
const std::string kReportsSelect = std::string(kReportColumns) + R"sql(
  WHERE status = $1 AND reporter_id IS DISTINCT FROM $3 AND reported_id IS DISTINCT FROM $3
)sql";
const std::string kOpenReports = kReportsSelect + "ORDER BY report_queue.created_at, report_id LIMIT $2";
const std::string kResolvedReports = kReportsSelect + "ORDER BY report_queue.resolved_at DESC, report_id LIMIT $2";
const std::string kReport = std::string(kReportColumns) + "WHERE report_id = $1";
const std::string kReportForUpdate = std::string(kReportColumns) + "WHERE report_id = $1 FOR UPDATE OF report_queue";
constexpr const char* kResolve = R"sql(
  UPDATE report_queue SET status = $2, resolution = $3, resolved_by = $4, resolved_at = now()
  WHERE report_id = $1 AND status = 'open'
  RETURNING report_id
)sql";

Report report_from(const pqxx::row& r) {
  return {.report_id = r["report_id"].as<std::string>(),
          .reason = r["reason"].as<std::string>(),
          .status = r["status"].as<std::string>(),
          .created_at = r["created_at"].as<std::string>(),
          .reporter_id = db::opt<UserId>(r, "reporter_id"),
          .reported_id = db::opt<UserId>(r, "reported_id"),
          .details = db::opt<std::string>(r, "details"),
          .resolution = db::opt<std::string>(r, "resolution"),
          .resolved_by = db::opt<std::string>(r, "resolved_by"),
          .resolved_at = db::opt<std::string>(r, "resolved_at"),
          .reported_name = db::opt<std::string>(r, "reported_name"),
          .resolved_by_name = db::opt<std::string>(r, "resolved_by_name")};
}

}  // namespace

std::optional<Role> role_of(pqxx::work& tx, const UserId& user_id) {
  auto rows = tx.exec_params(kRoleOf, user_id);
  if (rows.empty()) return std::nullopt;
  return role_from(rows[0]["role"].as<std::string>());
}

void set_role(pqxx::work& tx, const UserId& user_id, Role role) {
  tx.exec_params(kSetRole, user_id, std::string(to_string(role)));
}

bool revoke_role(pqxx::work& tx, const UserId& user_id) { return !tx.exec_params(kRevokeRole, user_id).empty(); }

std::optional<Json> user_summary(pqxx::work& tx, const UserId& user_id) {
  auto rows = tx.exec_params(kUserSummary, user_id);
  if (rows.empty()) return std::nullopt;
  return Json::parse(rows[0]["summary"].as<std::string>());
}

std::optional<Json> reported_profile(pqxx::work& tx, const UserId& user_id) {
  auto rows = tx.exec_params(kReportedProfile, user_id);
  if (rows.empty()) return std::nullopt;
  return Json::parse(rows[0]["profile"].as<std::string>());
}

Json messages_between(pqxx::work& tx, const UserId& a, const UserId& b, int limit) {
  return Json::parse(tx.exec_params1(kMessagesBetween, a, b, limit)["messages"].as<std::string>());
}

std::vector<Report> reports(pqxx::work& tx, const std::string& status, int limit, const UserId& staff_id) {
  std::vector<Report> out;
  for (const auto& r : tx.exec_params(status == "open" ? kOpenReports : kResolvedReports, status, limit, staff_id))
    out.push_back(report_from(r));
  return out;
}

std::optional<Report> report_for_update(pqxx::work& tx, const std::string& report_id) {
  auto rows = tx.exec_params(kReportForUpdate, report_id);
  if (rows.empty()) return std::nullopt;
  return report_from(rows[0]);
}

std::optional<Report> report(pqxx::work& tx, const std::string& report_id) {
  auto rows = tx.exec_params(kReport, report_id);
  if (rows.empty()) return std::nullopt;
  return report_from(rows[0]);
}

bool resolve(pqxx::work& tx, const std::string& report_id, const std::string& status, Action how,
             const std::string& by) {
  return !tx.exec_params(kResolve, report_id, status, std::string(to_string(how)), by).empty();
}

}  // namespace pm::staff::repository
