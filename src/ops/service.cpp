#include "ops/service.hpp"

namespace pm::ops {

namespace {

std::string check_redis(cache::RedisPool& redis) {
  auto reply = redis.command({"PING"});
  if (!reply) return reply.error().detail;
  if (reply->is_error()) return "Redis answered PING with an error";
  return "ok";
}

}  // namespace

Readiness HealthService::readiness() {
  Readiness r;
  r.checks = {{"postgres", db_.ping()}, {"redis", check_redis(redis_)}};
  r.ready = r.checks["postgres"] == "ok" && r.checks["redis"] == "ok";
  if (draining_) {
    r.checks["serving"] = "draining";
    r.ready = false;
  }
  return r;
}

}  // namespace pm::ops
