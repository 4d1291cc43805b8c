#include "matching/exposure.hpp"

#include <charconv>

#include "core/log.hpp"
#include "core/time.hpp"

namespace pm::matching {

namespace {

constexpr const char* kTtlSeconds = "172800";  // two days: a day's count outlives its UTC day

// Increments every key and gives a new one its lifetime, in one round trip.
constexpr const char* kCountScript = R"lua(
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return #KEYS
)lua";

std::string key_of(const std::string& day, const std::string& user_id) { return "exposure:" + day + ":" + user_id; }

std::string today() {
  return format_date(
      std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())});
}

}  // namespace

std::unordered_set<std::string> ExposureCap::capped(const std::vector<std::string>& user_ids) {
  std::unordered_set<std::string> out;
  if (!enabled() || user_ids.empty()) return out;
  const std::string day = today();
  std::vector<std::string> args{"MGET"};
  for (const auto& id : user_ids) args.push_back(key_of(day, id));
  auto r = redis_.command(args);
  if (!r || r->is_error() || r->size() != user_ids.size()) {
    log::warn("exposure_cap_unavailable", {{"error", r ? "unexpected reply" : r.error().detail}});
    return out;
  }
  for (std::size_t i = 0; i < user_ids.size(); ++i) {
    auto item = r->element(i);
    if (item.is_nil()) continue;
    long long n = 0;
    auto text = item.str();
    std::from_chars(text.data(), text.data() + text.size(), n);
    if (n >= per_day_) out.insert(user_ids[i]);
  }
  return out;
}

void ExposureCap::count(const std::vector<std::string>& user_ids) {
  if (!enabled() || user_ids.empty()) return;
  const std::string day = today();
  std::vector<std::string> args{"EVAL", kCountScript, std::to_string(user_ids.size())};
  for (const auto& id : user_ids) args.push_back(key_of(day, id));
  args.push_back(kTtlSeconds);
  auto r = redis_.command(args);
  if (!r || r->is_error()) log::warn("exposure_cap_unavailable", {{"error", r ? "script failed" : r.error().detail}});
}

}  // namespace pm::matching
