#pragma once
// Each node's rendered first pages of GET /api/v1/matches, one per viewer: the JSON answer beside
// the exact bytes Redis held when it was rendered (MatchCache::Snapshot). A request that finds the
// same bytes in Redis gets the same answer without parsing every preview again and serialising
// the page (docs/benchmarks.md). Nothing here decides who sees what: a page is looked up under
// the signed-in viewer's own id, after the same session check and the same Redis reads as
// without it, so whatever changes those keys (a like, pass, unmatch, block, a new generation)
// shows on this node's next request, and on another node's once Redis has told it (below).
//
// A page kept with a mark of Redis's change notices (MatchCache::mark) is served without asking
// Redis again while none of the keys it was made from changed since (MatchCache::unchanged_since):
// Redis's notices, or this node's own writes, void it. Without a mark (notices not running), the
// bytes are compared on every request as before.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "matching/match_cache.hpp"

namespace pm::matching {

class RenderedPages {
 public:
  struct Page {
    MatchCache::Snapshot snapshot;  // what it was rendered from
    int limit = 0;                  // the query's page size
    std::chrono::steady_clock::time_point rendered_at;
    std::string json;  // the answer's body
  };

  struct Kept {
    std::shared_ptr<const Page> page;
    std::optional<cache::KeyInvalidations::Mark> mark;  // Redis held the page's bytes at this mark
  };

  // The viewer's page, if this node rendered one for `limit` within `max_age`.
  std::optional<Kept> find(const UserId& viewer, int limit, std::chrono::seconds max_age) const;
  void keep(const UserId& viewer, Kept kept);
  // Redis still held `page`'s bytes at `mark` (read again and found the same).
  void confirm(const UserId& viewer, const std::shared_ptr<const Page>& page,
               std::optional<cache::KeyInvalidations::Mark> mark);

 private:
  // Bounded by the bytes kept (snapshots and answers, ~30 KB a viewer with 20 matches); past the
  // bound everything is dropped at once, as the session cache does: a miss only costs a render.
  static constexpr std::size_t kMaxBytes = 64u << 20;
  static std::size_t size_of(const Page& page);

  mutable std::mutex mutex_;
  std::unordered_map<UserId, Kept> pages_;
  std::size_t bytes_ = 0;
};

}  // namespace pm::matching
