#pragma once
// Feature flags as the admin API and the Redis mirror show them, and the one function that decides
// whether a flag is on for a user (evaluate). A flag is switched on or off for everyone, rolled out
// to a percentage of users by a stable hash of (flag key, user id), opened to an allow-list of
// users, and limited to plans. docs/feature-flags.md says how they work.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/problem.hpp"

namespace pm::flags {

// A flag's key: lower case, digits, '_' and '-', starting with a letter, at most 50 characters
// (migrations/0017 checks the same). It names the Redis key feature_flags:{key}.
bool valid_key(std::string_view key);

struct Flag {
  std::string key;
  std::string description;
  bool enabled = false;                 // off: off for everyone, the allow-list included
  Json config = Json::object();         // what the feature reads when on (e.g. {"provider": "builtin"})
  int percentage = 100;                 // 0-100: the share of users it is on for
  std::vector<std::string> allow_list;  // user ids it is on for whatever the percentage and plans
  std::vector<std::string> plans;       // empty: every plan; else only users whose plan in force is one of these
  std::string updated_at;               // ISO 8601
  std::optional<std::string> updated_by;

  // The admin API's view.
  Json to_json() const;
  // The Redis mirror's value (feature_flags:{key}): {enabled, config, percentage, allow_list, plans, updated_at}.
  Json mirror_json() const;
  // From a mirror value; nullopt when it is not one (a value written by something else).
  static std::optional<Flag> from_mirror(const std::string& key, const Json& doc);
};

// PUT /api/v1/admin/feature-flags/{key}: the whole flag (an absent member takes its default).
// {enabled (required), config (object, at most 16 KiB), percentage (0-100, default 100),
//  allow_list (user ids, at most 1000), plans (plan ids, at most 20), description (at most 500)}.
struct FlagInput {
  bool enabled = false;
  Json config = Json::object();
  int percentage = 100;
  std::vector<std::string> allow_list;
  std::vector<std::string> plans;
  std::string description;
  static Result<FlagInput> parse(const Json& body);
};

// What a flag is for one user.
struct Evaluation {
  bool enabled = false;
  Json config = Json::object();  // the flag's config when on, {} when off
  Json to_json() const { return {{"enabled", enabled}, {"config", config}}; }
};

// The user's bucket for a flag, 0-99: the first 8 bytes of SHA-256("{key}:{user_id}") as a
// big-endian unsigned integer, modulo 100. The same on every node, release and restart; a flag's
// key in the hash makes rollouts of different flags independent of each other.
int bucket(std::string_view key, std::string_view user_id);

// The one evaluation: off when the flag is off; on for a user in the allow-list; off when the flag
// names plans and `plan_id` (the user's plan in force) is not one of them; else on when the user's
// bucket is below the percentage.
Evaluation evaluate(const Flag& flag, const std::string& user_id, const std::string& plan_id);

// GET /api/v1/admin/feature-flags
struct FlagList {
  std::vector<Flag> flags;
  Json to_json() const {
    Json items = Json::array();
    for (const auto& f : flags) items.push_back(f.to_json());
    return {{"flags", items}};
  }
};

// GET /api/v1/features: {flags: {key: {enabled, config}}}
struct Features {
  std::map<std::string, Evaluation> flags;
  Json to_json() const {
    Json out = Json::object();
    for (const auto& [key, e] : flags) out[key] = e.to_json();
    return {{"flags", out}};
  }
};

}  // namespace pm::flags
