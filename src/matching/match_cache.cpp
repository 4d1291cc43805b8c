#include "matching/match_cache.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "core/log.hpp"

namespace pm::matching {

namespace {

// (matches:recent holds what put_list wrote: match ids)
std::optional<std::vector<MatchId>> ids_of(std::string_view recent) {
  auto parsed = Json::parse(recent, nullptr, false);
  if (!parsed.is_array()) return std::nullopt;
  std::vector<MatchId> ids;
  for (const auto& id : parsed)
    if (id.is_string()) ids.emplace_back(id.get<std::string>());
  return ids;
}

std::vector<std::string> mget_of(const std::vector<MatchId>& match_ids) {
  std::vector<std::string> args{"MGET"};
  for (const auto& id : match_ids) args.push_back(MatchCache::match_key(id));
  return args;
}

// The previews of an MGET's reply; nullopt if any is missing.
std::optional<std::vector<std::string>> previews_of(const cache::Reply& r, std::size_t expected) {
  if (r.is_error() || r.size() != expected) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(expected);
  for (std::size_t i = 0; i < expected; ++i) {
    auto item = r.element(i);
    if (item.is_nil()) return std::nullopt;
    out.emplace_back(item.str());
  }
  return out;
}

}  // namespace

std::optional<MatchCache::Snapshot> MatchCache::snapshot(const UserId& user_id, const Snapshot* before,
                                                         std::string* seen) {
  Snapshot now;
  std::string ignored;
  std::string& held = seen ? *seen : ignored;
  held.clear();
  if (before && !before->ids.empty()) {
    auto replies = redis_.pipeline({{"GET", recent_key(user_id)}, mget_of(before->ids)});
    if (!replies) return std::nullopt;
    const auto& recent = (*replies)[0];
    if (recent.is_nil() || recent.is_error()) return std::nullopt;
    held = recent.str();
    if (recent.str() == before->recent) {
      const auto& got = (*replies)[1];
      if (got.is_error() || got.size() != before->ids.size()) return std::nullopt;
      bool same = true;
      for (std::size_t i = 0; i < got.size() && same; ++i) same = got.element(i).str() == before->previews[i];
      if (same) return Snapshot{.unchanged = true};
      auto previews = previews_of(got, before->ids.size());
      if (!previews) return std::nullopt;
      return Snapshot{.recent = before->recent,
                      .ids = before->ids,
                      .previews = std::move(*previews),
                      .key_hashes = before->key_hashes};
    }
    now.recent = recent.str();
  } else {
    auto recent = redis_.command({"GET", recent_key(user_id)});
    if (!recent || recent->is_nil() || recent->is_error()) return std::nullopt;
    now.recent = held = recent->str();
  }
  auto ids = ids_of(now.recent);
  if (!ids) return std::nullopt;
  now.ids = std::move(*ids);
  auto previews = this->previews(now.ids);
  if (!previews) return std::nullopt;
  now.previews = std::move(*previews);
  now.key_hashes = key_hashes(user_id, now.ids);
  return now;
}

std::vector<std::size_t> MatchCache::key_hashes(const UserId& user_id, const std::vector<MatchId>& match_ids) {
  std::vector<std::size_t> out{cache::KeyInvalidations::key_hash(recent_key(user_id))};
  for (const auto& id : match_ids) out.push_back(cache::KeyInvalidations::key_hash(match_key(id)));
  return out;
}

std::optional<std::vector<std::string>> MatchCache::previews(const std::vector<MatchId>& match_ids) {
  if (match_ids.empty()) return std::vector<std::string>{};
  auto r = redis_.command(mget_of(match_ids));
  if (!r) return std::nullopt;
  return previews_of(*r, match_ids.size());
}

namespace {
// A forgotten list is a marker, new at each change (never JSON, so every reader misses), rather
// than nothing: a list read from PostgreSQL is written only over the marker seen before the read.
constexpr std::string_view kForgotten = "forgotten:";
// If KEYS[1] still holds ARGV[2] ("": nothing): SET KEYS[1] = ARGV[3], and each further key
// KEYS[i] = ARGV[i + 2], each for ARGV[1] seconds.
constexpr const char* kPutIfUnchanged = R"(
local now = redis.call('GET', KEYS[1])
if not ((now == false and ARGV[2] == '') or now == ARGV[2]) then return 0 end
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 2], 'EX', ARGV[1]) end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[1])
return 1)";
}  // namespace

void MatchCache::put_list(const UserId& user_id, const std::vector<MatchId>& match_ids,
                          const std::vector<Json>& previews, const std::string& seen) {
  std::vector<std::string> keys{recent_key(user_id)};
  for (const auto& id : match_ids) keys.push_back(match_key(id));
  std::vector<std::string> command{"EVAL", kPutIfUnchanged, std::to_string(keys.size())};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), {std::to_string(ttl_.count()), seen, Json(match_ids).dump()});
  for (const auto& preview : previews) command.push_back(preview.dump());
  auto r = redis_.command(command);
  if (!r) log::warn("match_cache_unavailable", {{"error", r.error().detail}});
  invalidations_.changed(std::span(keys));
}

void MatchCache::forget_user(const UserId& user_id) { forget_users({user_id}); }

void MatchCache::forget_users(const std::vector<UserId>& user_ids) {
  constexpr std::size_t kKeysPerRoundTrip = 1000;
  const std::string marker = std::string(kForgotten) + crypto::random_hex(8);
  for (std::size_t start = 0; start < user_ids.size(); start += kKeysPerRoundTrip) {
    std::vector<std::vector<std::string>> commands;
    std::vector<std::string> keys;
    for (std::size_t i = start; i < std::min(user_ids.size(), start + kKeysPerRoundTrip); ++i) {
      keys.push_back(recent_key(user_ids[i]));
      commands.push_back({"SET", keys.back(), marker, "EX", std::to_string(ttl_.count())});
    }
    auto r = redis_.pipeline(commands);
    if (!r) log::warn("match_cache_invalidation_failed", {{"error", r.error().detail}});
    invalidations_.changed(std::span(keys));
  }
}

void MatchCache::forget_match(const MatchId& match_id) { forget_matches({match_id}); }

void MatchCache::forget_matches(const std::vector<MatchId>& match_ids) {
  if (match_ids.empty()) return;
  std::vector<std::string> keys;
  for (const auto& id : match_ids) keys.push_back(match_key(id));
  del(keys);
}

void MatchCache::set(const std::string& key, const std::string& value) {
  auto r = redis_.command({"SET", key, value, "EX", std::to_string(ttl_.count())});
  if (!r) log::warn("match_cache_unavailable", {{"error", r.error().detail}});
  invalidations_.changed(std::span(&key, 1));
}

void MatchCache::del(const std::vector<std::string>& keys) {
  // A failed delete could leave a stale entry until its TTL: logged so operators see it.
  std::vector<std::string> command = {"DEL"};
  command.insert(command.end(), keys.begin(), keys.end());
  auto r = redis_.command(command);
  if (!r) log::warn("match_cache_invalidation_failed", {{"error", r.error().detail}});
  invalidations_.changed(std::span(keys));
}

}  // namespace pm::matching
