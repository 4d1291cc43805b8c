#include "cache/rate_limit.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pm::cache {

namespace {

constexpr const char* kHitScript = R"(
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl})";

// Until a window that has `ttl_ms` left ends, in whole seconds (at least one).
std::chrono::seconds retry_after_of(long long ttl_ms) {
  return std::chrono::seconds(std::max<long long>(1, (ttl_ms + 999) / 1000));
}

RateDecision decide(long long count, long long ttl_ms, Limit limit) {
  RateDecision d;
  d.count = count;
  d.allowed = count <= limit.max;
  if (!d.allowed) d.retry_after = retry_after_of(ttl_ms);
  return d;
}

Problem unexpected_reply() {
  return Problem("cache-unavailable", "the rate limiter got an unexpected answer from Redis");
}

// The 429 of a limit reached: "too many {what}".
Problem limit_reached(std::string_view what, std::chrono::seconds retry_after) {
  return too_many_requests(fmt::format("too many {}; try again later", what), retry_after);
}

}  // namespace

Result<RateDecision> hit(RedisPool& redis, const std::string& key, Limit limit) {
  auto decisions = PM_TRY(hit_many(redis, {key}, limit));
  return decisions.front();
}

Result<std::vector<RateDecision>> hit_many(RedisPool& redis, const std::vector<std::string>& keys, Limit limit) {
  auto window_ms = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(limit.window).count());
  std::vector<std::vector<std::string>> commands;
  for (const auto& key : keys) commands.push_back({"EVAL", kHitScript, "1", key, window_ms});
  auto replies = PM_TRY(redis.pipeline(commands));
  std::vector<RateDecision> out;
  for (const auto& reply : replies) {
    if (reply.is_error() || reply.size() != 2) return std::unexpected(unexpected_reply());
    out.push_back(decide(reply.element(0).integer(), reply.element(1).integer(), limit));
  }
  return out;
}

Result<void> enforce(RedisPool& redis, const std::string& key, Limit limit, std::string_view what) {
  auto decision = PM_TRY(hit(redis, key, limit));
  if (!decision.allowed) return std::unexpected(limit_reached(what, decision.retry_after));
  return {};
}

Result<void> enforce_distinct(RedisPool& redis, const std::string& key, const std::string& member, Limit limit,
                              std::string_view what) {
  // {allowed, ttl in ms}: one already in the set passes; a new one joins it while there is room.
  constexpr const char* kDistinct = R"(
local ttl = redis.call('PTTL', KEYS[1])
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return {1, ttl} end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return {0, ttl} end
redis.call('SADD', KEYS[1], ARGV[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  ttl = tonumber(ARGV[3])
end
return {1, ttl})";
  const auto window_ms = std::chrono::duration_cast<std::chrono::milliseconds>(limit.window).count();
  auto reply = PM_TRY(
      redis.command({"EVAL", kDistinct, "1", key, member, std::to_string(limit.max), std::to_string(window_ms)}));
  if (reply.is_error() || reply.size() != 2) return std::unexpected(unexpected_reply());
  if (reply.element(0).integer() == 1) return {};
  return std::unexpected(limit_reached(what, retry_after_of(reply.element(1).integer())));
}

void give_back(RedisPool& redis, const std::string& key) {
  constexpr const char* kGiveBack = R"(
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0)";
  (void)redis.command({"EVAL", kGiveBack, "1", key});
}

void clear(RedisPool& redis, const std::string& key) { (void)redis.command({"DEL", key}); }

Problem too_many_requests(std::string detail, std::chrono::seconds retry_after) {
  Problem p("rate-limited", std::move(detail));
  p.extensions["retry_after"] = retry_after.count();
  return p;
}

}  // namespace pm::cache
