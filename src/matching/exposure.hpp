#pragma once
// The exposure cap: one person is added to at most PM_EXPOSURE_CAP_PER_DAY other people's new
// matches a day, so that someone many people like is not shown to everyone (issue 15, item 3).
//
// Counted in Redis, exposure:{YYYY-MM-DD}:{userId} (UTC day, expiring after two days): generation
// runs on every node and in every worker, so the count must be shared, and it is a hot counter
// (one increment per match made) that nobody needs after the day: PostgreSQL would take a row
// lock per candidate in the generation's transaction for nothing durable. Losing it (Redis
// flushed) only lets people be shown again that day. The cap counts additions to feeds only:
// existing matches (pending or mutual) are never taken away.

#include <string>
#include <unordered_set>
#include <vector>

#include "cache/redis.hpp"

namespace pm::matching {

class ExposureCap {
 public:
  ExposureCap(cache::RedisPool& redis, int per_day) : redis_(redis), per_day_(per_day) {}

  bool enabled() const { return per_day_ > 0; }
  // Those of `user_ids` already added to `per_day` feeds today. Redis unreachable: none (the
  // cap is a fairness rule, not a reason to stop making matches; logged).
  std::unordered_set<std::string> capped(const std::vector<std::string>& user_ids);
  // Counts one more feed for each of them today.
  void count(const std::vector<std::string>& user_ids);

 private:
  cache::RedisPool& redis_;
  const int per_day_;
};

}  // namespace pm::matching
