#pragma once
// Fixed-window rate limits in Redis, shared by every server node. One atomic script per hit, so
// a counter can never be left without its expiry (which would lock a user out for good).

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

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
// One hit on each key (a key named twice counts twice), in one round trip to Redis: the decisions
// in the keys' order (a batch of messages from several users).
Result<std::vector<RateDecision>> hit_many(RedisPool& redis, const std::vector<std::string>& keys, Limit limit);
// Counts one hit and refuses past the limit: 429 "too many {what}; try again later", with the
// delay until the window ends. The usual way a service applies a limit.
Result<void> enforce(RedisPool& redis, const std::string& key, Limit limit, std::string_view what);
// Counts `member` once in the window of `key` (a set): refused, 429 "too many {what}", when it is
// new and the window already holds `limit.max` distinct members; one already counted is always
// allowed. For a budget of distinct things (places moved to), not of actions.
Result<void> enforce_distinct(RedisPool& redis, const std::string& key, const std::string& member, Limit limit,
                              std::string_view what);
// Takes back one hit on `key` (an action counted, then found not to have happened), never below 0;
// the window keeps its end.
void give_back(RedisPool& redis, const std::string& key);
// Forgets the key (e.g. failures after a successful sign-in).
void clear(RedisPool& redis, const std::string& key);

// A 429 problem with the retry delay (http adds Retry-After from "retry_after").
Problem too_many_requests(std::string detail, std::chrono::seconds retry_after);

}  // namespace pm::cache
