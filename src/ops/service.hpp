#pragma once
// Operations: is the process able to serve (readiness = its stores answer, and it is not draining)?

#include <atomic>

#include <nlohmann/json.hpp>

#include "cache/redis.hpp"
#include "db/pool.hpp"

namespace pm::ops {

struct Readiness {
  bool ready = false;
  // {"postgres": "ok" | reason, "redis": "ok" | reason}, and "serving": "draining" once stopping
  nlohmann::json checks;
};

class HealthService {
 public:
  HealthService(db::Pool& db, cache::RedisPool& redis) : db_(db), redis_(redis) {}
  Readiness readiness();
  // From now on not ready: the process is stopping (SIGTERM) and its load balancer should send
  // nothing new. Safe from any thread.
  void begin_draining() { draining_ = true; }

 private:
  std::atomic<bool> draining_{false};
  db::Pool& db_;
  cache::RedisPool& redis_;
};

}  // namespace pm::ops
