#pragma once
// The AI Matching Service as the API sees it: on-demand generation under the seed's AI rate
// limit (ratelimit:ai:generate:{userId}, limits by plan), and discovery.

#include "cache/redis.hpp"
#include "core/config.hpp"
#include "db/pool.hpp"
#include "matching/discovery.hpp"
#include "matching/engine.hpp"

namespace pm::matching {

class Service {
 public:
  Service(const Config& config, db::Pool& db, cache::RedisPool& redis, Engine& engine, Discovery& discovery)
      : config_(config), db_(db), redis_(redis), engine(engine), discovery(discovery) {}

  // Generates now, if the user's plan allows another generation in this window (else 429).
  Result<Json> generate_now(const std::string& user_id);

 private:
  const Config& config_;
  db::Pool& db_;
  cache::RedisPool& redis_;

 public:
  Engine& engine;
  Discovery& discovery;
};

}  // namespace pm::matching
