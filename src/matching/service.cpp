#include "matching/service.hpp"

#include <fmt/format.h>

#include "cache/rate_limit.hpp"
#include "db/transaction.hpp"
#include "subscriptions/entitlements.hpp"

namespace pm::matching {

namespace {
constexpr auto kDay = std::chrono::hours(24);
std::string generation_key(const UserId& user_id) { return "ratelimit:ai:generate:" + user_id.str(); }
}  // namespace

Result<void> Service::spend_generation(const UserId& user_id) {
  const auto plan = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<subscriptions::Entitlements> {
    return subscriptions::entitlements_of(tx, user_id);
  }));
  const cache::Limit limit{.max = plan.generations_per_day, .window = kDay};
  auto decision = PM_TRY(cache::hit(d_.redis, generation_key(user_id), limit));
  if (!decision.allowed)
    return std::unexpected(cache::too_many_requests(
        fmt::format("match generation is limited to {} a day on the {} plan", limit.max, plan.plan_id),
        decision.retry_after));
  return {};
}

Result<Generated> Service::generate_now(const UserId& user_id) {
  PM_TRY(spend_generation(user_id));
  auto generated = engine.generate(user_id);
  // One that an outage stopped (a database or a model provider down) made nothing and is not
  // spent, or a few taps in an outage used up the day. A refusal (409: incomplete, hidden) counts,
  // and so does a provider refusing the input (502: it costs a paid call each time; docs/matching.md).
  if (!generated && generated.error().is_outage()) cache::give_back(d_.redis, generation_key(user_id));
  return generated;
}

Result<MatchView> Service::like(const UserId& user_id, const MatchId& match_id) {
  // A plan with a daily budget of likes counts each like asked for; past it, 403 premium-required
  // naming the plans without a limit, with when the budget starts again.
  auto refused = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::optional<Problem>> {
    const auto plan = subscriptions::entitlements_of(tx, user_id);
    if (!plan.likes_per_day) return std::nullopt;
    auto decision =
        PM_TRY(cache::hit(d_.redis, "ratelimit:likes:" + user_id.str(), {.max = *plan.likes_per_day, .window = kDay}));
    if (decision.allowed) return std::nullopt;
    auto p = subscriptions::premium_required(
        tx, "likes_per_day", fmt::format("the {} plan has {} likes a day", plan.plan_id, *plan.likes_per_day));
    p.extensions["retry_after"] = decision.retry_after.count();
    return std::optional<Problem>(std::move(p));
  }));
  if (refused) return std::unexpected(std::move(*refused));
  return discovery.like(user_id, match_id);
}

Result<MatchView> Service::rewind(const UserId& user_id) {
  return discovery.rewind(user_id, [&] {
    return cache::enforce(d_.redis, "ratelimit:rewinds:" + user_id.str(), kRewindsPerHour, "rewinds");
  });
}

}  // namespace pm::matching
