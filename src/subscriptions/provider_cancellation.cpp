#include "subscriptions/provider_cancellation.hpp"

#include "core/actor.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"
#include "jobs/queue.hpp"
#include "subscriptions/repository.hpp"

namespace pm::subscriptions {

bool live_at_provider(const BillingState& state) { return state.subscription_id && state.payment_status != "canceled"; }

bool queue_provider_cancellation(pqxx::work& tx, const BillingState& state) {
  if (!live_at_provider(state)) return false;
  jobs::enqueue(tx, kCancelProviderSubscriptionJob,
                {{"provider", state.provider.value_or("")}, {"subscription_id", *state.subscription_id}});
  return true;
}

void before_account_deletion(pqxx::work& tx, const UserId& user_id) {
  if (auto state = repository::billing_state_for_update(tx, user_id)) queue_provider_cancellation(tx, *state);
}

Result<int> cancel_queued_provider_subscriptions(db::Pool& db, PaymentProvider* provider, int limit) {
  if (!provider) return 0;
  actor::Scope system(actor::Scope::system());  // the jobs of accounts that may no longer exist
  auto claimed = PM_TRY(db::transact(db, [&](pqxx::work& tx) -> Result<std::vector<jobs::Claimed>> {
    return jobs::claim(tx, kCancelProviderSubscriptionJob, limit);
  }));
  for (const auto& job : claimed) {
    auto cancelled = provider->cancel_now(job.payload.value("subscription_id", ""));
    PM_TRY(db::transact(db, [&](pqxx::work& tx) -> Result<void> {
      if (cancelled)
        jobs::finish(tx, job, std::nullopt);
      else
        jobs::postpone(tx, job, cancelled.error().detail, kProviderCancelRetry);
      return {};
    }));
    if (!cancelled) log::warn("provider_cancel_postponed", {{"job_id", job.job_id}, {"error", cancelled.error().type}});
  }
  return static_cast<int>(claimed.size());
}

}  // namespace pm::subscriptions
