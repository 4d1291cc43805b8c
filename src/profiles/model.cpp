#include "profiles/model.hpp"

#include <cmath>

#include "core/time.hpp"
#include "core/validation.hpp"
#include "core/vocabulary.hpp"
#include "mail/templates.hpp"

namespace pm::profiles {

namespace {

template <class T>
Json or_null(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

Json photos_json(const std::vector<Photo>& photos) {
  Json out = Json::array();
  for (const auto& p : photos) out.push_back(p.to_json());
  return out;
}

// A settings object: only documented keys, only booleans.
Json settings_field(Fields& f, std::string_view key, std::span<const std::string_view> allowed) {
  if (!f.has(key)) return Json::object();
  const auto& v = f.raw(key);
  if (!v.is_object()) {
    f.fail(key, "must be an object");
    return Json::object();
  }
  Json out = Json::object();
  for (const auto& [k, value] : v.items()) {
    bool known = false;
    for (auto a : allowed) known = known || a == k;
    if (!known)
      f.fail(std::string(key) + "." + k, "is not a known setting");
    else if (!value.is_boolean())
      f.fail(std::string(key) + "." + k, "must be true or false");
    else
      out[k] = value;
  }
  return out;
}

}  // namespace

Json Profile::to_json() const {
  Json loc = nullptr;
  if (location)
    loc = {{"label", location->label}, {"latitude", location->latitude}, {"longitude", location->longitude}};
  return {{"user_id", user_id},
          {"email", email},
          {"email_verified", email_verified},
          {"first_name", first_name},
          {"last_name", or_null(last_name)},
          {"birth_date", or_null(birth_date)},
          {"age", or_null(age)},
          {"gender", or_null(gender)},
          {"seeking_gender", or_null(seeking_gender)},
          {"bio", or_null(bio)},
          {"location", loc},
          {"profile_visibility", profile_visibility},
          {"profile_completed", profile_completed},
          {"auth_provider", auth_provider},
          {"has_password", has_password},
          {"created_at", created_at},
          {"last_active", last_active},
          {"photos", photos_json(photos)}};
}

Result<ProfilePatch> ProfilePatch::parse(const Json& body) {
  Fields f(body);
  f.allow_only(
      {"first_name", "last_name", "birth_date", "gender", "seeking_gender", "bio", "location", "profile_visibility"});
  ProfilePatch p;
  if (f.has("first_name")) p.first_name = f.text("first_name", true, kMaxNameLength);
  if (f.has("last_name")) p.last_name = f.text("last_name", false, kMaxNameLength);
  if (f.has("bio")) p.bio = f.multiline_text("bio", false, kMaxBioLength);
  if (f.has("birth_date")) {
    p.birth_date = f.text("birth_date", true, 10);
    auto date = p.birth_date ? parse_date(*p.birth_date) : std::nullopt;
    if (p.birth_date && !date)
      f.fail("birth_date", "must be a date as YYYY-MM-DD");
    else if (date && age_today(*date) < kMinimumAge)
      f.fail("birth_date", "you must be 18 or older");
    else if (date && age_today(*date) > 120)
      f.fail("birth_date", "is not a plausible birth date");
  }
  if (f.has("gender")) {
    p.gender = f.text("gender", true, 50);
    if (p.gender && !one_of(kGenders, *p.gender)) f.fail("gender", "must be one of woman, man, non_binary");
  }
  if (f.has("seeking_gender")) {
    p.seeking_gender = f.text("seeking_gender", true, 50);
    if (p.seeking_gender && !one_of(kSeeking, *p.seeking_gender))
      f.fail("seeking_gender", "must be one of woman, man, non_binary, everyone");
  }
  if (f.has("profile_visibility")) {
    p.profile_visibility = f.text("profile_visibility", true, 20);
    if (p.profile_visibility && !one_of(kVisibility, *p.profile_visibility))
      f.fail("profile_visibility", "must be one of public, matches_only, hidden");
  }
  if (f.has("location")) {
    if (f.is_null("location")) {
      p.location = std::optional<Location>{};
    } else {
      Fields loc(f.raw("location"), "location");
      loc.allow_only({"label", "latitude", "longitude"});
      auto label = loc.text("label", true, kMaxLocationLabel);
      auto lat = loc.number("latitude", true, -90, 90);
      auto lon = loc.number("longitude", true, -180, 180);
      f.merge(loc);
      // Kept only to the grid distances are measured on (0.01 degree, ~1 km): where someone lives,
      // to the metre, is not stored for any session (a forgotten one on an ex's phone) to read back
      // from GET /me (which reads any point stored before this to the grid too).
      auto to_grid = [](double degrees) { return std::nearbyint(degrees * 100) / 100; };
      if (label && lat && lon) p.location = std::optional<Location>(Location{*label, to_grid(*lat), to_grid(*lon)});
    }
  }
  if (!f.ok()) return std::unexpected(f.problem());
  return p;
}

Json with_defaults(const Json& stored, std::span<const std::string_view> keys) {
  Json out = stored;
  for (auto key : keys)
    if (!out.contains(std::string(key))) out[std::string(key)] = true;
  return out;
}

Json BlockedPeople::to_json() const {
  Json out = Json::array();
  for (const auto& p : people)
    out.push_back({{"user_id", p.user_id}, {"first_name", or_null(p.first_name)}, {"blocked_at", p.blocked_at}});
  return {{"blocks", out}};
}

Json PublicProfile::to_json() const {
  return {{"user_id", user_id},
          {"first_name", first_name},
          {"age", or_null(age)},
          {"gender", or_null(gender)},
          {"bio", or_null(bio)},
          {"location_label", or_null(location_label)},
          {"distance_km", or_null(distance_km)},
          {"last_active", or_null(last_active)},
          {"photos", photos_json(photos)}};
}

Json Preferences::to_json() const {
  return {{"min_age", min_age},
          {"max_age", max_age},
          {"max_distance", max_distance},
          {"notification_settings", with_defaults(notification_settings, kNotificationKeys)},
          {"privacy_settings", with_defaults(privacy_settings, kPrivacyKeys)},
          {"language", language}};
}

Result<PreferencesPatch> PreferencesPatch::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"min_age", "max_age", "max_distance", "notification_settings", "privacy_settings", "language"});
  PreferencesPatch p;
  if (auto v = f.integer("min_age", false, 18, 99)) p.min_age = static_cast<int>(*v);
  if (auto v = f.integer("max_age", false, 18, 99)) p.max_age = static_cast<int>(*v);
  if (auto v = f.integer("max_distance", false, 1, 20000)) p.max_distance = static_cast<int>(*v);
  p.notification_settings = settings_field(f, "notification_settings", kNotificationKeys);
  p.privacy_settings = settings_field(f, "privacy_settings", kPrivacyKeys);
  // Only a language every template is written in: the mails and pushes must be able to speak it.
  p.language = mail::language_field(f);
  if (!f.ok()) return std::unexpected(f.problem());
  return p;
}

Result<ReportInput> ReportInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"reason", "details"});
  auto text = f.text("reason", true, 50);
  auto reason = text ? report_reason_from(*text) : std::nullopt;
  if (text && !reason)
    f.fail("reason", "must be one of spam, fake_profile, harassment, inappropriate_content, underage, scam, other");
  auto details = f.multiline_text("details", false, 2000);
  if (!f.ok()) return std::unexpected(f.problem());
  return ReportInput{*reason, details && !details->empty() ? details : std::nullopt};
}

double coarse_distance_km(double km) {
  for (double step : {2, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500})
    if (km <= step) return step;
  return std::ceil(km / 500) * 500;
}

}  // namespace pm::profiles
