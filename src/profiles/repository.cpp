#include "profiles/repository.hpp"

#include "db/sql.hpp"

namespace pm::profiles::repository {

namespace {

template <class T>
std::optional<T> opt(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional<T>(f.as<T>());
}

constexpr const char* kIso = db::kIsoFormat;

}  // namespace

std::optional<ProfileRow> load(pqxx::work& tx, const std::string& user_id) {
  auto r = tx.exec_params(
      std::string(
          "SELECT u.user_id, u.email, u.email_verified_at IS NOT NULL, u.first_name, u.last_name, u.birth_date::text, "
          "  date_part('year', age(u.birth_date))::int, u.gender, u.seeking_gender, u.bio, u.location, "
          "  ST_Y(u.location_point::geometry), ST_X(u.location_point::geometry), u.profile_visibility, "
          "u.profile_completed, "
          "  u.auth_provider, to_char(u.created_at AT TIME ZONE 'UTC', ") +
          kIso +
          "), "
          "  to_char(u.last_active AT TIME ZONE 'UTC', " +
          kIso +
          "), p.privacy_settings::text "
          "FROM users u LEFT JOIN user_preferences p ON p.user_id = u.user_id WHERE u.user_id = $1",
      user_id);
  if (r.empty()) return std::nullopt;
  const auto& row = r[0];
  Profile p{.user_id = row[0].as<std::string>(),
            .email = row[1].as<std::string>(),
            .email_verified = row[2].as<bool>(),
            .first_name = row[3].is_null() ? "" : row[3].as<std::string>(),
            .last_name = opt<std::string>(row[4]),
            .birth_date = opt<std::string>(row[5]),
            .age = opt<int>(row[6]),
            .gender = opt<std::string>(row[7]),
            .seeking_gender = opt<std::string>(row[8]),
            .bio = opt<std::string>(row[9]),
            .profile_visibility = row[13].is_null() ? "matches_only" : row[13].as<std::string>(),
            .profile_completed = !row[14].is_null() && row[14].as<bool>(),
            .auth_provider = row[15].is_null() ? "" : row[15].as<std::string>(),
            .created_at = row[16].as<std::string>(),
            .last_active = row[17].as<std::string>()};
  if (!row[11].is_null())
    p.location =
        Location{row[10].is_null() ? "" : row[10].as<std::string>(), row[11].as<double>(), row[12].as<double>()};
  return ProfileRow{std::move(p), row[18].is_null() ? Json::object() : Json::parse(row[18].as<std::string>())};
}

void update(pqxx::work& tx, const std::string& user_id, const ProfilePatch& patch) {
  // One statement per present field keeps the SQL static (no string-built column lists).
  if (patch.first_name)
    tx.exec_params("UPDATE users SET first_name = $2 WHERE user_id = $1", user_id, *patch.first_name);
  if (patch.last_name) tx.exec_params("UPDATE users SET last_name = $2 WHERE user_id = $1", user_id, *patch.last_name);
  if (patch.bio) tx.exec_params("UPDATE users SET bio = $2 WHERE user_id = $1", user_id, *patch.bio);
  if (patch.birth_date)
    tx.exec_params("UPDATE users SET birth_date = $2::date WHERE user_id = $1", user_id, *patch.birth_date);
  if (patch.gender) tx.exec_params("UPDATE users SET gender = $2 WHERE user_id = $1", user_id, *patch.gender);
  if (patch.seeking_gender)
    tx.exec_params("UPDATE users SET seeking_gender = $2 WHERE user_id = $1", user_id, *patch.seeking_gender);
  if (patch.profile_visibility)
    tx.exec_params("UPDATE users SET profile_visibility = $2 WHERE user_id = $1", user_id, *patch.profile_visibility);
  if (patch.location) {
    if (*patch.location)
      tx.exec_params(
          "UPDATE users SET location = $2, location_point = ST_SetSRID(ST_MakePoint($4, $3), 4326)::geography "
          "WHERE user_id = $1",
          user_id, (*patch.location)->label, (*patch.location)->latitude, (*patch.location)->longitude);
    else
      tx.exec_params("UPDATE users SET location = NULL, location_point = NULL WHERE user_id = $1", user_id);
  }
  // Complete exactly when matching has what it needs: who, age, whom, and where.
  tx.exec_params(
      "UPDATE users SET profile_completed = (first_name IS NOT NULL AND birth_date IS NOT NULL AND gender IS NOT NULL "
      "AND seeking_gender IS NOT NULL AND location_point IS NOT NULL) WHERE user_id = $1",
      user_id);
}

std::optional<PublicProfile> load_public(pqxx::work& tx, const std::string& viewer, const std::string& user_id) {
  // Visible when: not blocked either way, not hidden, and public or matched with the viewer.
  auto r = tx.exec_params(
      std::string(
          "SELECT u.user_id, u.first_name, date_part('year', age(u.birth_date))::int, u.gender, u.bio, u.location, "
          "  round((ST_Distance(u.location_point, v.location_point) / 1000)::numeric, 1)::float8, "
          "  to_char(u.last_active AT TIME ZONE 'UTC', ") +
          kIso +
          "), "
          "  coalesce((p.privacy_settings->>'show_age')::boolean, true), "
          "  coalesce((p.privacy_settings->>'show_distance')::boolean, true), "
          "  coalesce((p.privacy_settings->>'show_online_status')::boolean, true) "
          "FROM users u JOIN users v ON v.user_id = $1 LEFT JOIN user_preferences p ON p.user_id = u.user_id "
          "WHERE u.user_id = $2 "
          "  AND (u.user_id = v.user_id OR ("
          "    u.profile_visibility <> 'hidden' "
          "    AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE (b.blocker_id = u.user_id AND b.blocked_id = "
          "v.user_id) "
          "                                               OR (b.blocker_id = v.user_id AND b.blocked_id = u.user_id)) "
          "    AND (u.profile_visibility = 'public' OR EXISTS (SELECT 1 FROM matches m WHERE m.status IN ('pending', "
          "'active') "
          "         AND ((m.user_id_1 = u.user_id AND m.user_id_2 = v.user_id) OR (m.user_id_1 = v.user_id AND "
          "m.user_id_2 = u.user_id))))))",
      viewer, user_id);
  if (r.empty()) return std::nullopt;
  const auto& row = r[0];
  bool show_age = row[8].as<bool>(), show_distance = row[9].as<bool>(), show_online = row[10].as<bool>();
  return PublicProfile{.user_id = row[0].as<std::string>(),
                       .first_name = row[1].is_null() ? "" : row[1].as<std::string>(),
                       .age = show_age ? opt<int>(row[2]) : std::nullopt,
                       .gender = opt<std::string>(row[3]),
                       .bio = opt<std::string>(row[4]),
                       .location_label = opt<std::string>(row[5]),
                       .distance_km = show_distance ? opt<double>(row[6]) : std::nullopt,
                       .last_active = show_online ? opt<std::string>(row[7]) : std::nullopt};
}

std::optional<Preferences> load_preferences(pqxx::work& tx, const std::string& user_id) {
  auto r = tx.exec_params(
      "SELECT min_age, max_age, max_distance, notification_settings::text, privacy_settings::text FROM "
      "user_preferences "
      "WHERE user_id = $1",
      user_id);
  if (r.empty()) return std::nullopt;
  const auto& row = r[0];
  return Preferences{.min_age = row[0].is_null() ? 18 : row[0].as<int>(),
                     .max_age = row[1].is_null() ? 99 : row[1].as<int>(),
                     .max_distance = row[2].is_null() ? 50 : row[2].as<int>(),
                     .notification_settings = Json::parse(row[3].as<std::string>()),
                     .privacy_settings = Json::parse(row[4].as<std::string>())};
}

void save_preferences(pqxx::work& tx, const std::string& user_id, const Preferences& p) {
  tx.exec_params(
      "UPDATE user_preferences SET min_age = $2, max_age = $3, max_distance = $4, notification_settings = $5::jsonb, "
      "privacy_settings = $6::jsonb WHERE user_id = $1",
      user_id, p.min_age, p.max_age, p.max_distance, p.notification_settings.dump(), p.privacy_settings.dump());
}

bool user_exists(pqxx::work& tx, const std::string& user_id) {
  return !tx.exec_params("SELECT 1 FROM users WHERE user_id = $1", user_id).empty();
}

bool blocked_either_way(pqxx::work& tx, const std::string& a, const std::string& b) {
  return !tx.exec_params(
                "SELECT 1 FROM user_blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND "
                "blocked_id = $1)",
                a, b)
              .empty();
}

void block(pqxx::work& tx, const std::string& blocker, const std::string& blocked) {
  tx.exec_params("INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", blocker,
                 blocked);
}

void unblock(pqxx::work& tx, const std::string& blocker, const std::string& blocked) {
  tx.exec_params("DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2", blocker, blocked);
}

std::string insert_report(pqxx::work& tx, const std::string& reporter, const std::string& reported,
                          const ReportInput& report) {
  return tx
      .exec_params1(
          "INSERT INTO user_reports (reporter_id, reported_id, reason, details) VALUES ($1, $2, $3, $4) RETURNING "
          "report_id",
          reporter, reported, report.reason, report.details)[0]
      .as<std::string>();
}

Json export_rows(pqxx::work& tx, const std::string& user_id) {
  // Each entry: a name in the export and the query of that user's rows, as JSON.
  static const std::pair<const char*, const char*> kQueries[] = {
      {"user",
       "SELECT to_jsonb(t) - 'password_hash' - 'email_index' - 'location_point' FROM users t WHERE user_id = $1"},
      {"preferences", "SELECT to_jsonb(t) FROM user_preferences t WHERE user_id = $1"},
      {"subscription", "SELECT to_jsonb(t) FROM subscription_details t WHERE user_id = $1"},
      {"photos", "SELECT to_jsonb(t) FROM profile_media t WHERE user_id = $1 ORDER BY display_order"},
      {"answers", "SELECT to_jsonb(t) FROM answers t WHERE user_id = $1"},
      {"questionnaire_responses", "SELECT to_jsonb(t) FROM questionnaire_responses t WHERE user_id = $1"},
      {"vectors", "SELECT to_jsonb(t) FROM user_vectors t WHERE user_id = $1"},
      {"matches", "SELECT to_jsonb(t) FROM matches t WHERE user_id_1 = $1 OR user_id_2 = $1"},
      {"messages_sent", "SELECT to_jsonb(t) FROM messages t WHERE sender_id = $1 ORDER BY sent_at"},
      {"notifications", "SELECT to_jsonb(t) FROM notifications t WHERE user_id = $1 ORDER BY created_at"},
      {"blocks",
       "SELECT jsonb_build_object('blocked_id', blocked_id, 'created_at', created_at) FROM user_blocks WHERE "
       "blocker_id = $1"},
      {"reports_filed", "SELECT to_jsonb(t) - 'reporter_id' FROM user_reports t WHERE reporter_id = $1"},
  };
  Json out = Json::object();
  for (const auto& [name, sql] : kQueries) {
    Json rows = Json::array();
    for (const auto& row : tx.exec_params(sql, user_id)) rows.push_back(Json::parse(row[0].as<std::string>()));
    out[name] = std::move(rows);
  }
  return out;
}

void lock_user(pqxx::work& tx, const std::string& user_id) {
  tx.exec_params("SELECT 1 FROM users WHERE user_id = $1 FOR UPDATE", user_id);
}

int count_media(pqxx::work& tx, const std::string& user_id) {
  return tx.exec_params1("SELECT count(*) FROM profile_media WHERE user_id = $1", user_id)[0].as<int>();
}

namespace {
constexpr const char* kMediaColumns =
    "media_id, user_id, url, thumbnail_url, coalesce(width, 0), coalesce(height, 0), display_order, "
    "to_char(uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
MediaRow media_row(const pqxx::row& r) {
  return {.media_id = r[0].as<std::string>(),
          .user_id = r[1].as<std::string>(),
          .display_key = r[2].as<std::string>(),
          .thumb_key = r[3].is_null() ? "" : r[3].as<std::string>(),
          .width = r[4].as<int>(),
          .height = r[5].as<int>(),
          .display_order = r[6].as<int>(),
          .uploaded_at = r[7].as<std::string>()};
}
}  // namespace

MediaRow insert_media(pqxx::work& tx, const MediaRow& row) {
  return media_row(tx.exec_params1(
      std::string(
          "INSERT INTO profile_media (media_id, user_id, media_type, url, thumbnail_url, width, height, display_order) "
          "VALUES ($1, $2, 'image/jpeg', $3, $4, $5, $6, "
          "  (SELECT coalesce(max(display_order), 0) + 1 FROM profile_media WHERE user_id = $2)) RETURNING ") +
          kMediaColumns,
      row.media_id, row.user_id, row.display_key, row.thumb_key, row.width, row.height));
}

std::vector<MediaRow> list_media(pqxx::work& tx, const std::string& user_id) {
  std::vector<MediaRow> out;
  for (const auto& r : tx.exec_params(
           std::string("SELECT ") + kMediaColumns + " FROM profile_media WHERE user_id = $1 ORDER BY display_order",
           user_id))
    out.push_back(media_row(r));
  return out;
}

void reorder_media(pqxx::work& tx, const std::string& user_id, const std::vector<std::string>& media_ids) {
  // Two steps, because unique_user_display_order holds after every statement: first out of the
  // way (negative), then into place.
  tx.exec_params("UPDATE profile_media SET display_order = -display_order WHERE user_id = $1", user_id);
  for (std::size_t i = 0; i < media_ids.size(); ++i)
    tx.exec_params("UPDATE profile_media SET display_order = $3 WHERE user_id = $1 AND media_id = $2", user_id,
                   media_ids[i], static_cast<int>(i + 1));
}

std::vector<std::string> delete_media(pqxx::work& tx, const std::string& user_id, const std::string& media_id) {
  auto r = tx.exec_params("DELETE FROM profile_media WHERE user_id = $1 AND media_id = $2 RETURNING url, thumbnail_url",
                          user_id, media_id);
  std::vector<std::string> keys;
  for (const auto& row : r)
    for (const auto& f : row)
      if (!f.is_null()) keys.push_back(f.as<std::string>());
  return keys;
}

std::vector<std::string> media_keys(pqxx::work& tx, const std::string& user_id) {
  std::vector<std::string> keys;
  for (const auto& row : tx.exec_params("SELECT url, thumbnail_url FROM profile_media WHERE user_id = $1", user_id))
    for (const auto& f : row)
      if (!f.is_null()) keys.push_back(f.as<std::string>());
  return keys;
}

void delete_user(pqxx::work& tx, const std::string& user_id) {
  // The seed's ON DELETE CASCADE removes media rows, preferences, subscription, answers, matches
  // (with their insights, conversations and messages) and notifications.
  tx.exec_params("DELETE FROM users WHERE user_id = $1", user_id);
}

}  // namespace pm::profiles::repository
