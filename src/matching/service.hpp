#pragma once
// The AI Matching Service as the API sees it: on-demand generation under the seed's AI rate
// limit (ratelimit:ai:generate:{userId}, limits by plan), likes within the plan's daily budget,
// rewinds within an hourly one, and discovery.

#include "cache/rate_limit.hpp"
#include "cache/redis.hpp"
#include "core/config.hpp"
#include "db/pool.hpp"
#include "matching/discovery.hpp"
#include "matching/engine.hpp"

namespace pm::matching {

class Service {
 public:
  struct Deps {
    const Config& config;
    db::Pool& db;
    cache::RedisPool& redis;
    Engine& engine;
    Discovery& discovery;
  };
  explicit Service(Deps deps) : engine(deps.engine), discovery(deps.discovery), d_(deps) {}

  // Generates now, if the user's plan allows another generation today (generations_per_day,
  // counted in ratelimit:ai:generate:{userId}; else 429).
  Result<Generated> generate_now(const UserId& user_id);
  // Counts one generation against the user's daily budget (generations_per_day); 429 past it.
  // POST /matches/generate and the regeneration after changed answers (Engine::may_regenerate).
  Result<void> spend_generation(const UserId& user_id);
  // Likes the match, within the plan's likes_per_day (ratelimit:likes:{userId}; past it 403
  // premium-required with retry_after). Discovery::like does the rest.
  Result<MatchView> like(const UserId& user_id, const MatchId& match_id);
  // Rewinds the last pass (Discovery::rewind), at most kRewindsPerHour times an hour
  // (ratelimit:rewinds:{userId}; 429 past it): each pass is an outcome row that a rewind only
  // marks, so a loop of the two would otherwise grow the training data without bound. Only
  // rewinds that happen are counted: a refused try (403, 404) spends nothing.
  Result<MatchView> rewind(const UserId& user_id);
  static constexpr cache::Limit kRewindsPerHour{.max = 30, .window = std::chrono::hours(1)};

  // The routes reach the engine (like, pass, insights) and discovery through the service.
  Engine& engine;
  Discovery& discovery;

 private:
  Deps d_;
};

}  // namespace pm::matching
