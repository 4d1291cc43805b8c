#include "cache/rate_limit.hpp"

#include <algorithm>

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

RateDecision decide(long long count, long long ttl_ms, Limit limit) {
  RateDecision d;
  d.count = count;
  d.allowed = count <= limit.max;
  if (!d.allowed) d.retry_after = std::chrono::seconds(std::max<long long>(1, (ttl_ms + 999) / 1000));
  return d;
}

}  // namespace

Result<RateDecision> hit(RedisPool& redis, const std::string& key, Limit limit) {
  auto window_ms = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(limit.window).count());
  auto reply = PM_TRY(redis.command({"EVAL", kHitScript, "1", key, window_ms}));
  if (reply.is_error() || reply.size() != 2)
    return std::unexpected(Problem("cache-unavailable", "the rate limiter got an unexpected answer from Redis"));
  return decide(reply.element(0).integer(), reply.element(1).integer(), limit);
}

Result<RateDecision> peek(RedisPool& redis, const std::string& key, Limit limit) {
  auto count = PM_TRY(redis.command({"GET", key}));
  if (count.is_nil()) return RateDecision{};
  auto ttl = PM_TRY(redis.command({"PTTL", key}));
  return decide(std::stoll(std::string(count.str())), ttl.integer(), limit);
}

void clear(RedisPool& redis, const std::string& key) { (void)redis.command({"DEL", key}); }

Problem too_many_requests(std::string detail, std::chrono::seconds retry_after) {
  Problem p("rate-limited", std::move(detail));
  p.extensions["retry_after"] = retry_after.count();
  return p;
}

}  // namespace pm::cache
