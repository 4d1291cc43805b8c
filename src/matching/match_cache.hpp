#pragma once
// The match caches in Redis, under the seed's keys:
//   matches:recent:{userId} -> JSON array of the user's current match ids, best first
//   match:{matchId}         -> JSON preview of the match (both users' sides; the reader picks its view)
// Both expire after PM_MATCH_CACHE_TTL_S and are deleted on every change to what they hold. The
// cache is an accelerator only: when Redis fails, readers fall back to PostgreSQL.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cache/redis.hpp"
#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::matching {

class MatchCache {
 public:
  MatchCache(cache::RedisPool& redis, std::chrono::seconds ttl) : redis_(redis), ttl_(ttl) {}

  // What Redis holds for a user's list, byte for byte: matches:recent:{userId}, the ids it names,
  // and the match:{id} preview of each. The same bytes render the same page (RenderedPages).
  struct Snapshot {
    std::string recent;
    std::vector<MatchId> ids;
    std::vector<std::string> previews;
    bool unchanged = false;  // snapshot(user, before) found exactly `before`; nothing else is filled in
  };
  // nullopt when the list or any of its previews is missing, or Redis fails. With `before` (what
  // this node read last time) the list and `before`'s previews are asked for in one round trip,
  // and an unchanged list and previews come back as {.unchanged = true} without being copied.
  std::optional<Snapshot> snapshot(const UserId& user_id, const Snapshot* before = nullptr);
  void put_recent(const UserId& user_id, const std::vector<MatchId>& match_ids);
  void put_preview(const MatchId& match_id, const Json& preview);

  void forget_user(const UserId& user_id);
  // Several users at once (one DEL per thousand): what a batch of generated matches changed.
  void forget_users(const std::vector<UserId>& user_ids);
  void forget_match(const MatchId& match_id);

  static std::string recent_key(const UserId& user_id) { return "matches:recent:" + user_id.str(); }
  static std::string match_key(const MatchId& match_id) { return "match:" + match_id.str(); }

 private:
  std::optional<std::vector<std::string>> previews(const std::vector<MatchId>& match_ids);
  void set(const std::string& key, const std::string& value);
  void del(const std::string& key);

  cache::RedisPool& redis_;
  std::chrono::seconds ttl_;
};

}  // namespace pm::matching
