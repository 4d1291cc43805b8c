#pragma once
// Fixed-window rate limits in Redis, shared by every server node. One atomic script per hit, so
// a counter can never be left without its expiry (which would lock a user out for good).

#include <chrono>
#include <string>

#include "cache/redis.hpp"

namespace pm::cache {

struct Limit {
  int max = 10;
  std::chrono::seconds window{60};
};

struct RateDecision {
  bool allowed = true;
  long long count = 0;
  std::chrono::seconds retry_after{0};  // when refused: until the window ends
};

// Counts one hit on `key`; refused once the window holds more than `limit.max` hits.
Result<RateDecision> hit(RedisPool& redis, const std::string& key, Limit limit);
// The current count without adding a hit.
Result<RateDecision> peek(RedisPool& redis, const std::string& key, Limit limit);
// Forgets the key (e.g. failures after a successful sign-in).
void clear(RedisPool& redis, const std::string& key);

// A 429 problem with the retry delay (http adds Retry-After from "retry_after").
Problem too_many_requests(std::string detail, std::chrono::seconds retry_after);

}  // namespace pm::cache
