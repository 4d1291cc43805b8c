#include "flags/model.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/validation.hpp"

namespace pm::flags {

namespace {

constexpr std::size_t kMaxConfigBytes = 16 * 1024;
constexpr std::size_t kMaxAllowList = 1000;
constexpr std::size_t kMaxPlans = 20;

Json strings(const std::vector<std::string>& v) { return Json(v); }

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// A JSON array of strings, or nullopt.
std::optional<std::vector<std::string>> string_array(const Json& j) {
  if (!j.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& s : j) {
    if (!s.is_string()) return std::nullopt;
    out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > 50 || key[0] < 'a' || key[0] > 'z') return false;
  return std::all_of(key.begin(), key.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

Json Flag::to_json() const {
  return {{"key", key},
          {"description", description},
          {"enabled", enabled},
          {"config", config},
          {"percentage", percentage},
          {"allow_list", strings(allow_list)},
          {"plans", strings(plans)},
          {"updated_at", updated_at},
          {"updated_by", updated_by ? Json(*updated_by) : Json(nullptr)}};
}

Json Flag::mirror_json() const {
  return {{"enabled", enabled},       {"config", config},
          {"percentage", percentage}, {"allow_list", strings(allow_list)},
          {"plans", strings(plans)},  {"updated_at", updated_at}};
}

std::optional<Flag> Flag::from_mirror(const std::string& key, const Json& doc) {
  if (!doc.is_object() || !doc.contains("enabled") || !doc["enabled"].is_boolean()) return std::nullopt;
  Flag f;
  f.key = key;
  f.enabled = doc["enabled"].get<bool>();
  if (doc.contains("config") && doc["config"].is_object()) f.config = doc["config"];
  if (doc.contains("percentage") && doc["percentage"].is_number_integer())
    f.percentage = std::clamp(doc["percentage"].get<int>(), 0, 100);
  if (doc.contains("allow_list")) {
    auto v = string_array(doc["allow_list"]);
    if (!v) return std::nullopt;
    f.allow_list = *v;
  }
  if (doc.contains("plans")) {
    auto v = string_array(doc["plans"]);
    if (!v) return std::nullopt;
    f.plans = *v;
  }
  if (doc.contains("updated_at") && doc["updated_at"].is_string()) f.updated_at = doc["updated_at"].get<std::string>();
  return f;
}

Result<FlagInput> FlagInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"enabled", "config", "percentage", "allow_list", "plans", "description"});
  FlagInput in;
  in.enabled = f.boolean("enabled", true).value_or(false);
  if (f.has("config") && !f.is_null("config")) {
    const Json& config = f.raw("config");
    if (!config.is_object())
      f.fail("config", "must be a JSON object");
    else if (config.dump().size() > kMaxConfigBytes)
      f.fail("config", fmt::format("must be at most {} bytes of JSON", kMaxConfigBytes));
    else
      in.config = config;
  }
  in.percentage = static_cast<int>(f.integer("percentage", false, 0, 100).value_or(100));
  if (f.has("allow_list") && !f.is_null("allow_list")) {
    auto ids = string_array(f.raw("allow_list"));
    if (!ids || ids->size() > kMaxAllowList) {
      f.fail("allow_list", fmt::format("must be an array of at most {} user ids", kMaxAllowList));
    } else {
      for (const auto& id : *ids) {
        if (!crypto::is_uuid(id)) {
          f.fail("allow_list", fmt::format("'{}' is not a user id (a UUID)", id.substr(0, 64)));
          break;
        }
        auto canonical = crypto::canonical_uuid(id);
        if (!contains(in.allow_list, canonical)) in.allow_list.push_back(canonical);
      }
    }
  }
  if (f.has("plans") && !f.is_null("plans")) {
    auto plans = string_array(f.raw("plans"));
    if (!plans || plans->size() > kMaxPlans) {
      f.fail("plans", fmt::format("must be an array of at most {} plan ids", kMaxPlans));
    } else {
      for (const auto& p : *plans)
        if (!contains(in.plans, p)) in.plans.push_back(p);
    }
  }
  in.description = f.text("description", false, 500).value_or("");
  if (!f.ok()) return std::unexpected(f.problem());
  return in;
}

int bucket(std::string_view key, std::string_view user_id) {
  const std::string digest = crypto::sha256_hex(fmt::format("{}:{}", key, user_id));
  const std::uint64_t head = std::stoull(digest.substr(0, 16), nullptr, 16);
  return static_cast<int>(head % 100);
}

Evaluation evaluate(const Flag& flag, const std::string& user_id, const std::string& plan_id) {
  Evaluation off;
  if (!flag.enabled) return off;
  Evaluation on{.enabled = true, .config = flag.config};
  if (!user_id.empty() && contains(flag.allow_list, user_id)) return on;
  if (!flag.plans.empty() && !contains(flag.plans, plan_id)) return off;
  if (flag.percentage >= 100) return on;
  if (flag.percentage <= 0 || user_id.empty()) return off;
  return bucket(flag.key, user_id) < flag.percentage ? on : off;
}

}  // namespace pm::flags
