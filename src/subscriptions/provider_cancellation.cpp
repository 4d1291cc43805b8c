#include "subscriptions/provider_cancellation.hpp"

#include "core/actor.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"
#include "jobs/queue.hpp"
#include "subscriptions/repository.hpp"

namespace pm::subscriptions {

bool live_at_provider(const BillingState& state) { return state.subscription_id && state.payment_status != "canceled"; }

void queue_provider_cancellation(pqxx::work& tx, const BillingState& state, bool and_customer) {
  const bool cancel = live_at_provider(state), forget = and_customer && state.customer_id;
  if (!cancel && !forget) return;
  Json payload{{"provider", state.provider.value_or("")}};
  if (cancel) payload["subscription_id"] = *state.subscription_id;
  if (forget) payload["customer_id"] = *state.customer_id;
  jobs::enqueue(tx, kCancelProviderSubscriptionJob, payload);
}

void before_account_deletion(pqxx::work& tx, const UserId& user_id) {
  if (auto state = repository::billing_state_for_update(tx, user_id))
    queue_provider_cancellation(tx, *state, /*and_customer=*/true);
}

Result<int> cancel_queued_provider_subscriptions(db::Pool& db, PaymentProvider* provider, int limit) {
  if (!provider) return 0;
  actor::Scope system(actor::Scope::system());  // the jobs of accounts that may no longer exist
  auto claimed = PM_TRY(db::transact(db, [&](pqxx::work& tx) -> Result<std::vector<jobs::Claimed>> {
    return jobs::claim(tx, kCancelProviderSubscriptionJob, limit);
  }));
  for (const auto& job : claimed) {
    // The subscription first, so that a customer the provider refuses to delete costs nothing more.
    auto cancelled = [&]() -> Result<void> {
      if (auto id = job.payload.value("subscription_id", ""); !id.empty()) PM_TRY(provider->cancel_now(id));
      if (auto id = job.payload.value("customer_id", ""); !id.empty()) PM_TRY(provider->delete_customer(id));
      return {};
    }();
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
