#pragma once
// Operations: is the process able to serve (readiness = its stores answer)?

#include <nlohmann/json.hpp>

#include "cache/redis.hpp"
#include "db/pool.hpp"

namespace pm::ops {

struct Readiness {
  bool ready = false;
  nlohmann::json checks;  // {"postgres": "ok" | reason, "redis": "ok" | reason}
};

class HealthService {
 public:
  HealthService(db::Pool& db, cache::RedisPool& redis) : db_(db), redis_(redis) {}
  Readiness readiness();

 private:
  db::Pool& db_;
  cache::RedisPool& redis_;
};

}  // namespace pm::ops
