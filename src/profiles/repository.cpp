#include "profiles/repository.hpp"

#include <utility>

#include "db/row.hpp"

namespace pm::profiles::repository {

namespace {

// A new account's preferences: the defaults documented in docs/openapi.yaml (Preferences).
constexpr const char* kInsertDefaultPreferences = R"sql(
  INSERT INTO user_preferences (user_id, notification_settings, privacy_settings, max_distance, min_age, max_age,
                                language)
  VALUES ($1, $2::jsonb, $3::jsonb, 50, 18, 99, $4)
)sql";

// ProfileRow: the user's own profile with their privacy settings.
constexpr const char* kLoadProfile = R"sql(
  SELECT u.user_id, u.email, u.email_verified_at IS NOT NULL AS email_verified, u.first_name, u.last_name,
         u.birth_date::text, date_part('year', age(u.birth_date))::int AS age, u.gender, u.seeking_gender, u.bio,
         -- to the grid, as it has been stored since (profiles/model.cpp): a point stored before to
         -- the metre is not read back so either
         u.location, ST_Y(ST_SnapToGrid(u.location_point::geometry, 0.01)) AS latitude,
         ST_X(ST_SnapToGrid(u.location_point::geometry, 0.01)) AS longitude,
         u.profile_visibility, u.profile_completed, u.auth_provider, u.has_password,
         to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
         to_char(u.last_active AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_active,
         p.privacy_settings::text
  FROM user_profiles u LEFT JOIN user_preferences p ON p.user_id = u.user_id
  WHERE u.user_id = $1
)sql";

// One statement per field of a patch keeps the SQL static (no string-built column lists).
// Each field others see is written only when it differs, so that update() knows whether anything
// they see changed (the last name, encrypted afresh each time, is not shown).
constexpr const char* kSetFirstName = R"sql(
  UPDATE user_profiles SET first_name = $2 WHERE user_id = $1 AND first_name IS DISTINCT FROM $2
)sql";
constexpr const char* kSetLastName = R"sql(UPDATE user_profiles SET last_name = $2 WHERE user_id = $1)sql";
constexpr const char* kSetBio =
    R"sql(UPDATE user_profiles SET bio = $2 WHERE user_id = $1 AND bio IS DISTINCT FROM $2)sql";
constexpr const char* kSetBirthDate = R"sql(
  UPDATE user_profiles SET birth_date = $2::date WHERE user_id = $1 AND birth_date IS DISTINCT FROM $2::date
)sql";
constexpr const char* kSetGender = R"sql(
  UPDATE user_profiles SET gender = $2 WHERE user_id = $1 AND gender IS DISTINCT FROM $2
)sql";
constexpr const char* kSetSeekingGender = R"sql(
  UPDATE user_profiles SET seeking_gender = $2 WHERE user_id = $1 AND seeking_gender IS DISTINCT FROM $2
)sql";
constexpr const char* kSetProfileVisibility = R"sql(
  UPDATE user_profiles SET profile_visibility = $2 WHERE user_id = $1 AND profile_visibility IS DISTINCT FROM $2
)sql";
constexpr const char* kSetLocation = R"sql(
  UPDATE user_profiles SET location = $2, location_point = ST_SetSRID(ST_MakePoint($4, $3), 4326)::geography
  WHERE user_id = $1
)sql";
constexpr const char* kClearLocation = R"sql(
  UPDATE user_profiles SET location = NULL, location_point = NULL WHERE user_id = $1
)sql";
// Complete exactly when matching has what it needs: who, age, whom, and where.
constexpr const char* kRecomputeProfileCompleted = R"sql(
  UPDATE user_profiles SET profile_completed = (first_name IS NOT NULL AND birth_date IS NOT NULL AND gender IS NOT NULL
                                        AND seeking_gender IS NOT NULL AND location_point IS NOT NULL)
  WHERE user_id = $1
)sql";

// PublicProfile: $2 as the viewer $1 may see them. Visible when: not blocked either way, not
// hidden, and matched with the viewer (pending or active), or public to a viewer whose match with
// them did not end. The distance is between the centres of the
// 0.01-degree cells (about 1 km) the two are in, never from or to a point: the coarse step of an
// exact distance says "within exactly 2 km or not?", which from a few dozen places of the viewer's
// pins someone down to metres (trilateration); from the cell it pins down only the cell. The
// viewer's own cell too: moves within it show nothing new, so the daily budget counts cells. Last
// active as its day only: to the minute, a profile read every minute was a log of when its person
// sleeps, wakes and is on the app.
constexpr const char* kLoadPublic = R"sql(
  SELECT u.user_id, u.first_name, date_part('year', age(u.birth_date))::int AS age, u.gender, u.bio, u.location,
         (ST_Distance(ST_SnapToGrid(u.location_point::geometry, 0.01)::geography,
                      ST_SnapToGrid(v.location_point::geometry, 0.01)::geography) / 1000)::float8
           AS distance_km,
         to_char(date_trunc('day', u.last_active AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_active,
         coalesce((p.privacy_settings->>'show_age')::boolean, true) AS show_age,
         coalesce((p.privacy_settings->>'show_distance')::boolean, true) AS show_distance,
         coalesce((p.privacy_settings->>'show_online_status')::boolean, true) AS show_online_status
  FROM user_profiles u JOIN user_profiles v ON v.user_id = $1 LEFT JOIN user_preferences p ON p.user_id = u.user_id
  WHERE u.user_id = $2
    AND (u.user_id = v.user_id OR (
      u.profile_visibility <> 'hidden'
      AND u.banned_at IS NULL  -- a banned account (a scam, a fake) is shown to no one
      AND NOT EXISTS (SELECT 1 FROM user_blocks b
                      WHERE (b.blocker_id = u.user_id AND b.blocked_id = v.user_id)
                         OR (b.blocker_id = v.user_id AND b.blocked_id = u.user_id))
      AND (EXISTS (SELECT 1 FROM match_pairs m
                   WHERE m.status IN ('pending', 'active')
                     AND ((m.user_id_1 = u.user_id AND m.user_id_2 = v.user_id)
                          OR (m.user_id_1 = v.user_id AND m.user_id_2 = u.user_id)))
           -- public: to anyone signed in but whoever a match with them ended for (passed,
           -- unmatched, expired), who would otherwise keep watching through the match's id
           OR (u.profile_visibility = 'public'
               AND NOT EXISTS (SELECT 1 FROM match_pairs m
                               WHERE m.status IN ('rejected', 'expired')
                                 AND ((m.user_id_1 = u.user_id AND m.user_id_2 = v.user_id)
                                      OR (m.user_id_1 = v.user_id AND m.user_id_2 = u.user_id)))))))
)sql";

// Preferences
constexpr const char* kLoadPreferences = R"sql(
  SELECT min_age, max_age, max_distance, notification_settings::text, privacy_settings::text, language
  FROM user_preferences WHERE user_id = $1
)sql";
// The same, locked until the transaction ends: a change writes the whole row back.
const std::string kLockPreferences = std::string(kLoadPreferences) + " FOR UPDATE";
constexpr const char* kSavePreferences = R"sql(
  UPDATE user_preferences SET min_age = $2, max_age = $3, max_distance = $4, notification_settings = $5::jsonb,
                              privacy_settings = $6::jsonb, language = $7
  WHERE user_id = $1
)sql";

constexpr const char* kUserExists = R"sql(SELECT 1 FROM user_profiles WHERE user_id = $1)sql";
// (Blocking again keeps the first block's time and name.)
constexpr const char* kBlock = R"sql(
  INSERT INTO user_blocks (blocker_id, blocked_id, blocked_name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
)sql";
constexpr const char* kUnblock = R"sql(DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2)sql";
// The people user $1 blocked, newest first, at most $2, under the name stored with each block
// (never the profile's current one: the blocked person may hide it, or block back).
constexpr const char* kBlockedBy = R"sql(
  SELECT b.blocked_id::text AS user_id, b.blocked_name AS first_name,
         to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS blocked_at
  FROM user_blocks b
  WHERE b.blocker_id = $1 ORDER BY b.created_at DESC, b.blocked_id LIMIT $2
)sql";
constexpr const char* kInsertReport = R"sql(
  INSERT INTO user_reports (reporter_id, reported_id, reason, details) VALUES ($1, $2, $3, $4)
  RETURNING report_id
)sql";

// The data export's parts that are this module's rows: a name in the export and the query of
// that user's rows, one JSON `entry` each (the other modules' parts: profiles/personal_data.hpp).
constexpr std::pair<const char*, const char*> kExportQueries[] = {
    {"preferences", R"sql(SELECT to_jsonb(t) AS entry FROM user_preferences t WHERE user_id = $1)sql"},
    {"photos", R"sql(SELECT to_jsonb(t) AS entry FROM profile_media t WHERE user_id = $1 ORDER BY display_order)sql"},
    {"blocks", R"sql(
  SELECT jsonb_build_object('blocked_id', blocked_id, 'created_at', created_at) AS entry
  FROM user_blocks WHERE blocker_id = $1
)sql"},
    // what the reporter wrote and whether it was looked at; never what staff did or who (docs/admin.md)
    {"reports_filed", R"sql(
  SELECT jsonb_build_object('report_id', report_id, 'reported_id', reported_id, 'reason', reason, 'details', details,
                            'status', status, 'created_at', created_at) AS entry
  FROM user_reports WHERE reporter_id = $1 ORDER BY created_at
)sql"},
};

// MediaRow: url holds the display image's key, thumbnail_url the thumbnail's.
constexpr const char* kLockUser = R"sql(SELECT 1 FROM user_profiles WHERE user_id = $1 FOR UPDATE)sql";
constexpr const char* kCountMedia = R"sql(SELECT count(*) AS photos FROM profile_media WHERE user_id = $1)sql";
constexpr const char* kInsertMedia = R"sql(
  INSERT INTO profile_media (media_id, user_id, media_type, url, thumbnail_url, width, height, display_order)
  VALUES ($1, $2, 'image/jpeg', $3, $4, $5, $6,
          (SELECT coalesce(max(display_order), 0) + 1 FROM profile_media WHERE user_id = $2))
  RETURNING media_id, user_id, url, thumbnail_url, coalesce(width, 0) AS width, coalesce(height, 0) AS height,
            display_order, to_char(uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS uploaded_at
)sql";
constexpr const char* kListMedia = R"sql(
  SELECT media_id, user_id, url, thumbnail_url, coalesce(width, 0) AS width, coalesce(height, 0) AS height,
         display_order, to_char(uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS uploaded_at
  FROM profile_media WHERE user_id = $1 ORDER BY display_order
)sql";
// Two steps, because unique_user_display_order holds after every statement: first out of the
// way (negative), then into place.
constexpr const char* kMoveMediaAside = R"sql(
  UPDATE profile_media SET display_order = -display_order WHERE user_id = $1
)sql";
constexpr const char* kSetMediaOrder = R"sql(
  UPDATE profile_media SET display_order = $3 WHERE user_id = $1 AND media_id = $2
)sql";
constexpr const char* kDeleteMedia = R"sql(
  DELETE FROM profile_media WHERE user_id = $1 AND media_id = $2 RETURNING url, thumbnail_url
)sql";
// The account's photos (the images of its conversations are messaging's: personal_data.hpp).
constexpr const char* kMediaKeys = R"sql(SELECT url, thumbnail_url FROM profile_media WHERE user_id = $1)sql";

MediaRow media_row(const pqxx::row& row) {
  return {.media_id = row["media_id"].as<std::string>(),
          .user_id = row["user_id"].as<std::string>(),
          .display_key = row["url"].as<std::string>(),
          .thumb_key = db::opt<std::string>(row, "thumbnail_url").value_or(""),
          .width = row["width"].as<int>(),
          .height = row["height"].as<int>(),
          .display_order = row["display_order"].as<int>(),
          .uploaded_at = row["uploaded_at"].as<std::string>()};
}

// The object keys of photo rows (url, then thumbnail_url), NULLs left out.
std::vector<std::string> object_keys(const pqxx::result& rows) {
  std::vector<std::string> keys;
  for (const auto& row : rows)
    for (const char* column : {"url", "thumbnail_url"})
      if (auto key = db::opt<std::string>(row, column)) keys.push_back(std::move(*key));
  return keys;
}

}  // namespace

std::optional<ProfileRow> load(pqxx::work& tx, const UserId& user_id) {
  auto r = tx.exec_params(kLoadProfile, user_id);
  if (r.empty()) return std::nullopt;
  const auto& row = r[0];
  Profile p{.user_id = row["user_id"].as<UserId>(),
            .email = row["email"].as<std::string>(),
            .email_verified = row["email_verified"].as<bool>(),
            .first_name = db::opt<std::string>(row, "first_name").value_or(""),
            .last_name = db::opt<std::string>(row, "last_name"),
            .birth_date = db::opt<std::string>(row, "birth_date"),
            .age = db::opt<int>(row, "age"),
            .gender = db::opt<std::string>(row, "gender"),
            .seeking_gender = db::opt<std::string>(row, "seeking_gender"),
            .bio = db::opt<std::string>(row, "bio"),
            .profile_visibility = db::opt<std::string>(row, "profile_visibility").value_or("matches_only"),
            .profile_completed = db::opt<bool>(row, "profile_completed").value_or(false),
            .auth_provider = db::opt<std::string>(row, "auth_provider").value_or(""),
            .has_password = row["has_password"].as<bool>(),
            .created_at = row["created_at"].as<std::string>(),
            .last_active = row["last_active"].as<std::string>()};
  if (auto latitude = db::opt<double>(row, "latitude"))
    p.location = Location{db::opt<std::string>(row, "location").value_or(""), *latitude, row["longitude"].as<double>()};
  return ProfileRow{std::move(p), db::json_or(row, "privacy_settings", Json::object())};
}

bool update(pqxx::work& tx, const UserId& user_id, const ProfilePatch& patch) {
  bool shown = false;
  auto set = [&](const char* sql, const auto& value) {
    shown |= tx.exec_params(sql, user_id, value).affected_rows() > 0;
  };
  if (patch.first_name) set(kSetFirstName, *patch.first_name);
  if (patch.last_name) tx.exec_params(kSetLastName, user_id, *patch.last_name);
  if (patch.bio) set(kSetBio, *patch.bio);
  if (patch.birth_date) set(kSetBirthDate, *patch.birth_date);
  if (patch.gender) set(kSetGender, *patch.gender);
  if (patch.seeking_gender) set(kSetSeekingGender, *patch.seeking_gender);
  if (patch.profile_visibility) set(kSetProfileVisibility, *patch.profile_visibility);
  if (patch.location) {
    shown = true;  // a move, or where it is said to be (budgeted per day by the service)
    if (*patch.location)
      tx.exec_params(kSetLocation, user_id, (*patch.location)->label, (*patch.location)->latitude,
                     (*patch.location)->longitude);
    else
      tx.exec_params(kClearLocation, user_id);
  }
  tx.exec_params(kRecomputeProfileCompleted, user_id);
  return shown;
}

std::optional<PublicProfile> load_public(pqxx::work& tx, const UserId& viewer, const UserId& user_id) {
  auto r = tx.exec_params(kLoadPublic, viewer, user_id);
  if (r.empty()) return std::nullopt;
  const auto& row = r[0];
  const bool show_age = row["show_age"].as<bool>(), show_distance = row["show_distance"].as<bool>(),
             show_online = row["show_online_status"].as<bool>();
  return PublicProfile{
      .user_id = row["user_id"].as<std::string>(),
      .first_name = db::opt<std::string>(row, "first_name").value_or(""),
      .age = show_age ? db::opt<int>(row, "age") : std::nullopt,
      .gender = db::opt<std::string>(row, "gender"),
      .bio = db::opt<std::string>(row, "bio"),
      .location_label = db::opt<std::string>(row, "location"),
      .distance_km = show_distance ? db::opt<double>(row, "distance_km").transform(coarse_distance_km) : std::nullopt,
      .last_active = show_online ? db::opt<std::string>(row, "last_active") : std::nullopt};
}

std::optional<Preferences> load_preferences(pqxx::work& tx, const UserId& user_id, bool for_update) {
  auto r = for_update ? tx.exec_params(kLockPreferences, user_id) : tx.exec_params(kLoadPreferences, user_id);
  if (r.empty()) return std::nullopt;
  const auto& row = r[0];
  return Preferences{.min_age = db::opt<int>(row, "min_age").value_or(18),
                     .max_age = db::opt<int>(row, "max_age").value_or(99),
                     .max_distance = db::opt<int>(row, "max_distance").value_or(50),
                     .notification_settings = Json::parse(row["notification_settings"].as<std::string>()),
                     .privacy_settings = Json::parse(row["privacy_settings"].as<std::string>()),
                     .language = row["language"].as<std::string>()};
}

void save_preferences(pqxx::work& tx, const UserId& user_id, const Preferences& p) {
  tx.exec_params(kSavePreferences, user_id, p.min_age, p.max_age, p.max_distance, p.notification_settings.dump(),
                 p.privacy_settings.dump(), p.language);
}

bool user_exists(pqxx::work& tx, const UserId& user_id) { return !tx.exec_params(kUserExists, user_id).empty(); }

void block(pqxx::work& tx, const UserId& blocker, const UserId& blocked, const std::optional<std::string>& name) {
  tx.exec_params(kBlock, blocker, blocked, name);
}

void unblock(pqxx::work& tx, const UserId& blocker, const UserId& blocked) {
  tx.exec_params(kUnblock, blocker, blocked);
}

std::vector<BlockedPerson> blocked_by(pqxx::work& tx, const UserId& blocker, int limit) {
  std::vector<BlockedPerson> out;
  for (const auto& r : tx.exec_params(kBlockedBy, blocker, limit))
    out.push_back({.user_id = r["user_id"].as<std::string>(),
                   .first_name = db::opt<std::string>(r, "first_name"),
                   .blocked_at = r["blocked_at"].as<std::string>()});
  return out;
}

std::string insert_report(pqxx::work& tx, const UserId& reporter, const std::optional<UserId>& reported,
                          const ReportInput& report) {
  const std::optional<std::string> reported_id = reported ? std::optional(reported->str()) : std::nullopt;
  return tx
      .exec_params1(kInsertReport, reporter, reported_id, std::string(to_string(report.reason)),
                    report.details)["report_id"]
      .as<std::string>();
}

Json export_rows(pqxx::work& tx, const UserId& user_id) { return db::export_entries(tx, kExportQueries, user_id); }

bool lock_user(pqxx::work& tx, const UserId& user_id) { return !tx.exec_params(kLockUser, user_id).empty(); }

int count_media(pqxx::work& tx, const UserId& user_id) {
  return tx.exec_params1(kCountMedia, user_id)["photos"].as<int>();
}

MediaRow insert_media(pqxx::work& tx, const MediaRow& row) {
  return media_row(
      tx.exec_params1(kInsertMedia, row.media_id, row.user_id, row.display_key, row.thumb_key, row.width, row.height));
}

std::vector<MediaRow> list_media(pqxx::work& tx, const UserId& user_id) {
  std::vector<MediaRow> out;
  for (const auto& row : tx.exec_params(kListMedia, user_id)) out.push_back(media_row(row));
  return out;
}

void reorder_media(pqxx::work& tx, const UserId& user_id, const std::vector<std::string>& media_ids) {
  tx.exec_params(kMoveMediaAside, user_id);
  for (std::size_t i = 0; i < media_ids.size(); ++i)
    tx.exec_params(kSetMediaOrder, user_id, media_ids[i], static_cast<int>(i + 1));
}

std::vector<std::string> delete_media(pqxx::work& tx, const UserId& user_id, const std::string& media_id) {
  return object_keys(tx.exec_params(kDeleteMedia, user_id, media_id));
}

std::vector<std::string> media_keys(pqxx::work& tx, const UserId& user_id) {
  return object_keys(tx.exec_params(kMediaKeys, user_id));
}

void insert_default_preferences(pqxx::work& tx, const UserId& user_id, const std::string& language) {
  // Every documented setting on.
  tx.exec_params(kInsertDefaultPreferences, user_id, with_defaults(Json::object(), kNotificationKeys).dump(),
                 with_defaults(Json::object(), kPrivacyKeys).dump(), language);
}

}  // namespace pm::profiles::repository
