#pragma once
// The match caches in Redis, under the seed's keys:
//   matches:recent:{userId} -> JSON array of the user's current match ids, best first
//   match:{matchId}         -> JSON preview of the match (both users' sides; the reader picks its view)
// Both expire after PM_MATCH_CACHE_TTL_S and are dropped on every change to what they hold (a list
// is replaced by a "forgotten:..." marker, new at each change: a list read from PostgreSQL is
// written back, with its previews, only over the marker seen before that read, so a read overtaken
// by a block never brings the blocked person back). Whatever drops a preview marks the lists of
// both its users too, so a read overtaken by the change never writes the old preview back. The cache is an accelerator
// only: when Redis fails, readers fall back to PostgreSQL.
//
// Redis tells each serving node when any of these keys changes (cache::KeyInvalidations, client
// tracking): a snapshot read after a mark() is still what Redis holds while unchanged_since() says
// so, and needs no round trip to be used again. Every write here notes its keys at once too.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cache/key_invalidations.hpp"
#include "cache/redis.hpp"
#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::matching {

class MatchCache {
 public:
  MatchCache(cache::RedisPool& redis, cache::KeyInvalidations& invalidations, std::chrono::seconds ttl)
      : redis_(redis), invalidations_(invalidations), ttl_(ttl) {}

  // The key prefixes whose changes Redis tells the nodes about.
  static std::vector<std::string> tracked_prefixes() { return {"matches:recent:", "match:"}; }

  // What Redis holds for a user's list, byte for byte: matches:recent:{userId}, the ids it names,
  // and the match:{id} preview of each. The same bytes render the same page (RenderedPages).
  struct Snapshot {
    std::string recent;
    std::vector<MatchId> ids;
    std::vector<std::string> previews;
    std::vector<std::size_t> key_hashes;  // of the keys read (cache::KeyInvalidations::key_hash)
    bool unchanged = false;               // snapshot(user, before) found exactly `before`; nothing else is filled in
  };
  // nullopt when the list or any of its previews is missing, or Redis fails. With `before` (what
  // this node read last time) the list and `before`'s previews are asked for in one round trip,
  // and an unchanged list and previews come back as {.unchanged = true} without being copied.
  // `seen` gets what matches:recent:{userId} held ("" for nothing, or when Redis failed): the
  // marker a read of the list from PostgreSQL after a miss writes over (put_list).
  std::optional<Snapshot> snapshot(const UserId& user_id, const Snapshot* before = nullptr,
                                   std::string* seen = nullptr);
  // Where Redis's change notices stand before a read (nullopt: this node is not told of changes).
  std::optional<cache::KeyInvalidations::Mark> mark() const { return invalidations_.mark(); }
  // No key of `snapshot` changed after `mark`: what it holds is still what Redis holds.
  bool unchanged_since(const cache::KeyInvalidations::Mark& mark, const Snapshot& snapshot) const {
    return invalidations_.unchanged_since(mark, snapshot.key_hashes);
  }
  // The write of a list read from PostgreSQL and its matches' previews (one script, so all or
  // nothing): only if matches:recent:{userId} still holds `seen`, what it held before that read
  // (snapshot's; no change in between). (The script names several keys: one Redis, as today; under
  // Redis Cluster they would need one hash slot.)
  void put_list(const UserId& user_id, const std::vector<MatchId>& match_ids, const std::vector<Json>& previews,
                const std::string& seen);

  void forget_user(const UserId& user_id);
  // Several users at once (one DEL per thousand): what a batch of generated matches changed.
  void forget_users(const std::vector<UserId>& user_ids);
  void forget_match(const MatchId& match_id);
  void forget_matches(const std::vector<MatchId>& match_ids);  // one DEL

  static std::string recent_key(const UserId& user_id) { return "matches:recent:" + user_id.str(); }
  static std::string match_key(const MatchId& match_id) { return "match:" + match_id.str(); }

 private:
  std::optional<std::vector<std::string>> previews(const std::vector<MatchId>& match_ids);
  void set(const std::string& key, const std::string& value);
  void del(const std::vector<std::string>& keys);
  static std::vector<std::size_t> key_hashes(const UserId& user_id, const std::vector<MatchId>& match_ids);

  cache::RedisPool& redis_;
  cache::KeyInvalidations& invalidations_;
  std::chrono::seconds ttl_;
};

}  // namespace pm::matching
