#include "subscriptions/comp.hpp"

#include "subscriptions/entitlements.hpp"
#include "subscriptions/provider_cancellation.hpp"
#include "subscriptions/repository.hpp"

namespace pm::subscriptions {

Result<Subscription> grant_comp(pqxx::work& tx, const UserId& user_id, const std::string& plan_id, int days) {
  if (!repository::plan_exists(tx, plan_id)) {
    Problem p("validation-failed", "there is no such plan");
    p.extensions["errors"] =
        Json::array({Json{{"field", "plan_id"}, {"message", "is not a plan of GET /api/v1/plans"}}});
    return std::unexpected(p);
  }
  // Locked as a webhook locks it, so a provider event and the grant take turns.
  auto state = repository::billing_state_for_update(tx, user_id);
  if (!state) return std::unexpected(Problem("not-found", "there is no such user"));
  if (live_at_provider(*state)) {
    // A comp beside a paid subscription would be charged for all the same, and either's events
    // would end the other: the person's own plan must end first.
    if (plan_id != "free")
      return std::unexpected(Problem("paid-subscription-live",
                                     "the user pays for a plan with the payment provider; give the free plan first, "
                                     "which cancels it"));
    queue_provider_cancellation(tx, *state);
  }
  const Entitlements before = entitlements_of(tx, user_id);
  repository::set_comp(tx, user_id, plan_id, days);
  follow_plan_change(tx, user_id, before);
  return *repository::subscription_of(tx, user_id);
}

}  // namespace pm::subscriptions
