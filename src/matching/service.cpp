#include "matching/service.hpp"

#include <fmt/format.h>

#include "cache/rate_limit.hpp"
#include "db/transaction.hpp"
#include "subscriptions/entitlements.hpp"

namespace pm::matching {

Result<Generated> Service::generate_now(const std::string& user_id) {
  const bool premium = PM_TRY(
      db::transact(d_.db, [&](pqxx::work& tx) -> Result<bool> { return subscriptions::has_premium(tx, user_id); }));
  const cache::Limit limit{.max = premium ? d_.config.generate_limit_premium : d_.config.generate_limit_free,
                           .window = d_.config.generate_window};
  auto decision = PM_TRY(cache::hit(d_.redis, "ratelimit:ai:generate:" + user_id, limit));
  if (!decision.allowed)
    return std::unexpected(cache::too_many_requests(
        fmt::format("match generation is limited to {} per {} s on your plan", limit.max, limit.window.count()),
        decision.retry_after));
  return engine.generate(user_id);
}

}  // namespace pm::matching
