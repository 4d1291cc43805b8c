#include "matching/match_cache.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace pm::matching {

std::optional<std::vector<std::string>> MatchCache::recent(const std::string& user_id) {
  auto r = redis_.command({"GET", recent_key(user_id)});
  if (!r || r->is_nil() || r->is_error()) return std::nullopt;
  auto parsed = Json::parse(r->str(), nullptr, false);
  if (!parsed.is_array()) return std::nullopt;
  std::vector<std::string> ids;
  for (const auto& id : parsed)
    if (id.is_string()) ids.push_back(id.get<std::string>());
  return ids;
}

void MatchCache::put_recent(const std::string& user_id, const std::vector<std::string>& match_ids) {
  set(recent_key(user_id), Json(match_ids).dump());
}

std::optional<std::vector<Json>> MatchCache::previews(const std::vector<std::string>& match_ids) {
  if (match_ids.empty()) return std::vector<Json>{};
  std::vector<std::string> args{"MGET"};
  for (const auto& id : match_ids) args.push_back(match_key(id));
  auto r = redis_.command(args);
  if (!r || r->is_error() || r->size() != match_ids.size()) return std::nullopt;
  std::vector<Json> out;
  for (std::size_t i = 0; i < r->size(); ++i) {
    auto item = r->element(i);
    if (item.is_nil()) return std::nullopt;
    auto parsed = Json::parse(item.str(), nullptr, false);
    if (!parsed.is_object()) return std::nullopt;
    out.push_back(std::move(parsed));
  }
  return out;
}

void MatchCache::put_preview(const std::string& match_id, const Json& preview) {
  set(match_key(match_id), preview.dump());
}

void MatchCache::forget_user(const std::string& user_id) { del(recent_key(user_id)); }

void MatchCache::forget_users(const std::vector<std::string>& user_ids) {
  constexpr std::size_t kKeysPerDelete = 1000;
  for (std::size_t start = 0; start < user_ids.size(); start += kKeysPerDelete) {
    std::vector<std::string> command{"DEL"};
    for (std::size_t i = start; i < std::min(user_ids.size(), start + kKeysPerDelete); ++i)
      command.push_back(recent_key(user_ids[i]));
    auto r = redis_.command(command);
    if (!r) log::warn("match_cache_invalidation_failed", {{"error", r.error().detail}});
  }
}

void MatchCache::forget_match(const std::string& match_id) { del(match_key(match_id)); }

void MatchCache::set(const std::string& key, const std::string& value) {
  auto r = redis_.command({"SET", key, value, "EX", std::to_string(ttl_.count())});
  if (!r) log::warn("match_cache_unavailable", {{"error", r.error().detail}});
}

void MatchCache::del(const std::string& key) {
  // A failed delete could leave a stale entry until its TTL: logged so operators see it.
  auto r = redis_.command({"DEL", key});
  if (!r) log::warn("match_cache_invalidation_failed", {{"error", r.error().detail}});
}

}  // namespace pm::matching
