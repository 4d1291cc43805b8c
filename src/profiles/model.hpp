#pragma once
// Profile Management's data: the profile as its owner and as others see it, preferences, and
// the inputs that change them (parsed and checked from JSON).

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/problem.hpp"
#include "profiles/photos.hpp"
#include "profiles/report_reason.hpp"

namespace pm::profiles {

struct Location {
  std::string label;
  double latitude = 0;
  double longitude = 0;
};

// Everything about the user that their own profile shows.
struct Profile {
  UserId user_id;
  std::string email;
  bool email_verified = false;
  std::string first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> birth_date;  // YYYY-MM-DD
  std::optional<int> age;
  std::optional<std::string> gender, seeking_gender, bio;
  std::optional<Location> location;
  std::string profile_visibility;
  bool profile_completed = false;
  std::string auth_provider;
  bool has_password = false;  // false for an account made with a provider, until a reset sets one
  std::string created_at, last_active;
  std::vector<Photo> photos;
  Json to_json() const;
};

// A change to the own profile: absent fields stay as they are; null clears an optional field.
struct ProfilePatch {
  std::optional<std::string> first_name;
  std::optional<std::optional<std::string>> last_name, bio;
  std::optional<std::string> birth_date, gender, seeking_gender, profile_visibility;
  std::optional<std::optional<Location>> location;
  static Result<ProfilePatch> parse(const Json& body);
};

// A distance as another user is shown it: the smallest of a few coarse steps that is at least the
// real distance (2, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500 km, then whole 500s). Exact
// distances, read back from several places (trilateration), would locate a person to the street.
double coarse_distance_km(double km);

// Someone the user blocked, as the list to unblock from names them.
struct BlockedPerson {
  std::string user_id;
  std::optional<std::string> first_name;  // as the blocker saw it then; none if they could not see it
  std::string blocked_at;
};
struct BlockedPeople {
  std::vector<BlockedPerson> people;
  Json to_json() const;
};

// Another user's profile, as much of it as they share.
struct PublicProfile {
  std::string user_id;
  std::string first_name;
  std::optional<int> age;
  std::optional<std::string> gender, bio, location_label;
  std::optional<double> distance_km;
  std::optional<std::string> last_active;
  std::vector<Photo> photos;
  Json to_json() const;
};

// The documented keys of the settings objects (docs/openapi.yaml); every value is a boolean.
inline constexpr std::string_view kNotificationKeys[] = {"new_match",    "new_message", "like_received",
                                                         "subscription", "email",       "push"};
inline constexpr std::string_view kPrivacyKeys[] = {"show_age", "show_distance", "show_online_status", "read_receipts",
                                                    "discoverable"};

// The settings with every documented key, true where `stored` does not say (a key added after they
// were stored; all of them for a new account).
Json with_defaults(const Json& stored, std::span<const std::string_view> keys);

struct Preferences {
  int min_age = 18;
  int max_age = 99;
  int max_distance = 50;  // km
  Json notification_settings = Json::object();
  Json privacy_settings = Json::object();
  std::string language = "en";  // of the user's mails and pushes: one of mail::kLanguages
  Json to_json() const;
};

// A change to preferences: absent fields stay; settings objects merge key by key.
struct PreferencesPatch {
  std::optional<int> min_age, max_age, max_distance;
  Json notification_settings = Json::object();
  Json privacy_settings = Json::object();
  std::optional<std::string> language;
  static Result<PreferencesPatch> parse(const Json& body);
};

struct ReportInput {
  ReportReason reason = ReportReason::other;
  std::optional<std::string> details;
  static Result<ReportInput> parse(const Json& body);
};

}  // namespace pm::profiles
