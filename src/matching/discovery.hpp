#pragma once
// Match Discovery and decisions: a user's matches best first (Redis fast path, PostgreSQL
// fallback), one match with its attributes and insights by plan, like and pass, and expiry.
// Only the two users of a match ever see it, and never once either blocked the other.

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/json.hpp"
#include "db/pool.hpp"
#include "matching/engine.hpp"
#include "matching/match_cache.hpp"
#include "matching/model.hpp"
#include "matching/rendered_pages.hpp"
#include "matching/repository.hpp"
#include "notifications/service.hpp"
#include "profiles/personal_data.hpp"
#include "storage/object_store.hpp"

namespace pm::matching {

struct ListQuery {
  std::optional<MatchId> cursor;   // the previous page's next_cursor: the id of its last match
  int limit = 20;                  // 1-100
  std::string status = "current";  // current (pending and active), pending, active, rejected, expired, all

  // From ?cursor=&limit=&status=; 400 "validation-failed" naming the bad parameter.
  static Result<ListQuery> parse(const std::optional<std::string>& cursor, const std::optional<std::string>& limit,
                                 const std::optional<std::string>& status);
};

class Discovery {
 public:
  struct Deps {
    db::Pool& db;
    MatchCache& cache;
    storage::ObjectStore& media;  // photo URLs in previews
    notifications::Service& notifications;
    Engine& engine;        // a match's insights, written when it is first opened
    int expiry_days = 14;  // a pending match expires this long after it was made (PM_MATCH_EXPIRY_DAYS)
  };
  explicit Discovery(Deps deps) : d_(deps) {}

  // The page's JSON (MatchPage). The first page of current matches comes from the Redis cache when
  // it holds the list, rendered again only when its bytes changed (RenderedPages).
  Result<std::string> list(const UserId& user_id, const ListQuery& query);
  // 404 unless the user is in the match (no difference between "not yours" and "absent").
  Result<MatchDetail> detail(const UserId& user_id, const MatchId& match_id);
  // Like: when both have liked, the match becomes active, its conversation opens and both are notified.
  // Returns the match after (with its conversation once both liked).
  Result<MatchView> like(const UserId& user_id, const MatchId& match_id);
  // Like, pass, unmatch and rewind are also kept as outcomes (training examples) in their
  // transaction: docs/outcomes.md.
  // Pass: the match is rejected (final; the pair is never matched again).
  Result<MatchView> pass(const UserId& user_id, const MatchId& match_id);

  // Rewind (premium: the plan's `rewind`): the user's last pass still in effect is undone, the
  // match pending again. 404 feature-disabled while the `rewind` flag is off for the user (before
  // the plan is asked); 403 premium-required without the entitlement; 404 with no pass to rewind;
  // 409 match-closed when that pass's match is older than expiry_days (it would have expired had it
  // not been passed: brought back, it expired at the worker's next round, the rewind spent).
  // `spend` counts the rewind against a budget once it is allowed and has a pass to undo (in its
  // transaction: a refusal undoes nothing), so refused tries spend nothing.
  Result<MatchView> rewind(const UserId& user_id, const std::function<Result<void>()>& spend);
  // Who liked the user and waits for an answer: the count for every plan, the matches (newest
  // first, at most 100) when the plan has `who_liked_me`.
  Result<LikesReceived> likes_received(const UserId& user_id);

  // Set by app/ at wiring time: whether a feature flag is on for the user (docs/feature-flags.md);
  // unset: every flag is on. Rewind asks for "rewind".
  std::function<bool(std::string_view flag, const UserId& user)> feature_on;

  // Unmatch: an active match ends for both (rejected) and on_unmatch closes their conversation.
  Result<MatchView> unmatch(const UserId& user_id, const MatchId& match_id);
  // Set by app/ at wiring time: called after an unmatch committed (who ended it, the other user).
  std::function<void(const UserId& by, const UserId& other)> on_unmatch;

  // How the first pages of GET /api/v1/matches were answered on this node (metrics): `kept`, a
  // kept page that Redis told of no change (no Redis read); `confirmed`, a kept page whose bytes
  // Redis still held (one round trip); `rendered`, from Redis's bytes; `database`, PostgreSQL.
  struct PageCounts {
    unsigned long long kept = 0, confirmed = 0, rendered = 0, database = 0;
  };
  PageCounts page_counts() const {
    return {.kept = kept_, .confirmed = confirmed_, .rendered = rendered_, .database = database_};
  }

  // Pending matches older than expiry_days expire; returns how many.
  Result<int> expire();
  // A block between the two: their lists must not show each other from the cache either.
  void forget_pair(const UserId& a, const UserId& b);
  // A block, once committed: the pair's pending matches end for good (an unblock brings none
  // back), and their lists and those matches' previews leave the cache.
  void block_committed(const UserId& blocker, const UserId& blocked);
  // What others are shown of the user changed (name, age, photos, place): the previews of the
  // user's current matches go, so every partner's list shows the change at its next read.
  void forget_previews_of(const UserId& user_id);
  // An account's deletion (profiles::BeforeAccountDeletion): locks the person's matches in its
  // transaction; once it commits, every partner's cached list and each match's preview go, so
  // nobody is shown the deleted person from the cache.
  profiles::AfterAccountDeletion before_account_deletion(pqxx::work& tx, const UserId& user_id);

 private:
  // The match as `viewer` sees it, from its cached preview (the other user's photo URL signed).
  MatchView view(const Json& preview, const UserId& viewer);
  // Pass and unmatch: the match, in `from_status`, becomes rejected; 409 naming `action` otherwise.
  Result<repository::MatchRow> reject(const UserId& user_id, const MatchId& match_id, MatchStatus from_status,
                                      std::string_view action);

  // The viewer's page of `previews` (cached previews parsed, or PostgreSQL's rows).
  std::optional<MatchPage> page_of(const MatchCache::Snapshot& snapshot, const UserId& viewer, int limit);
  MatchPage page_of(const std::vector<Json>& previews, const UserId& viewer, int limit, std::string source);

  Deps d_;
  RenderedPages pages_;
  std::atomic<unsigned long long> kept_{0}, confirmed_{0}, rendered_{0}, database_{0};
};

}  // namespace pm::matching
