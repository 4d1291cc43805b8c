#include "subscriptions/provider_cancellation.hpp"

#include "core/actor.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"
#include "jobs/queue.hpp"
#include "subscriptions/repository.hpp"

namespace pm::subscriptions {

bool live_at_provider(const BillingState& state) { return state.subscription_id && state.payment_status != "canceled"; }

std::string open_checkout_key(const UserId& user_id) { return "checkout:open:" + user_id.str(); }

void queue_provider_cancellation(pqxx::work& tx, const BillingState& state, bool and_customer,
                                 const std::optional<std::string>& open_checkout) {
  const bool cancel = live_at_provider(state), forget = and_customer && state.customer_id;
  if (!cancel && !forget && !open_checkout) return;
  Json payload{{"provider", state.provider.value_or("")}};
  if (cancel) payload["subscription_id"] = *state.subscription_id;
  if (forget) payload["customer_id"] = *state.customer_id;
  if (open_checkout) payload["checkout_session_id"] = *open_checkout;
  jobs::enqueue(tx, kCancelProviderSubscriptionJob, payload);
}

namespace {

// The person's checkout still open (paid within its day, it would start a subscription).
std::optional<std::string> open_checkout_of(cache::RedisPool& redis, const UserId& user_id) {
  auto open = redis.command({"GET", open_checkout_key(user_id)});
  if (open && !open->is_nil() && !open->str().empty()) return std::string(open->str());
  if (!open)  // (Redis down: a checkout left open stays payable for the rest of its day)
    log::warn("checkout_not_expired", {{"error", open.error().type}});
  return std::nullopt;
}

}  // namespace

void before_account_deletion(pqxx::work& tx, const UserId& user_id, cache::RedisPool& redis) {
  auto open_checkout = open_checkout_of(redis, user_id);
  if (auto state = repository::billing_state_for_update(tx, user_id))
    queue_provider_cancellation(tx, *state, /*and_customer=*/true, open_checkout);
}

void on_account_banned(pqxx::work& tx, const UserId& user_id, cache::RedisPool& redis) {
  auto open_checkout = open_checkout_of(redis, user_id);
  if (auto state = repository::billing_state_for_update(tx, user_id))
    queue_provider_cancellation(tx, *state, /*and_customer=*/false, open_checkout);
}

Result<int> cancel_queued_provider_subscriptions(db::Pool& db, PaymentProvider* provider, int limit) {
  if (!provider) return 0;
  actor::Scope system(actor::Scope::system());  // the jobs of accounts that may no longer exist
  auto claimed = PM_TRY(db::transact(db, [&](pqxx::work& tx) -> Result<std::vector<jobs::Claimed>> {
    // Never given up, even after five workers stopped on it: lost, the person is charged again.
    return jobs::claim(tx, kCancelProviderSubscriptionJob, limit, jobs::Abandon::never);
  }));
  for (const auto& job : claimed) {
    // The open checkout first (it could start a subscription meanwhile), then the subscription, so
    // that a customer the provider refuses to delete costs nothing more.
    auto cancelled = [&]() -> Result<void> {
      // Paid already: its subscription is the one below, unless it was paid as the account went and
      // its webhook found no owner; that webhook queues its cancellation (Payments::webhook).
      if (auto id = job.payload.value("checkout_session_id", ""); !id.empty())
        if (!PM_TRY(provider->expire_checkout(id)) && job.payload.value("subscription_id", "").empty())
          log::warn("checkout_paid_at_account_deletion", {{"job_id", job.job_id}});
      if (auto id = job.payload.value("subscription_id", ""); !id.empty()) PM_TRY(provider->cancel_now(id));
      if (auto id = job.payload.value("customer_id", ""); !id.empty()) PM_TRY(provider->delete_customer(id));
      return {};
    }();
    // Each job recorded on its own: one that cannot be (the database failing for a moment) is
    // taken again once its lease passes, and leaves the others' records alone.
    auto recorded = db::transact(db, [&](pqxx::work& tx) -> Result<void> {
      if (cancelled)
        jobs::finish(tx, job, std::nullopt);
      else
        jobs::postpone(tx, job, cancelled.error().detail, kProviderCancelRetry);
      return {};
    });
    if (!recorded) log::warn("provider_cancel_unrecorded", {{"job_id", job.job_id}, {"error", recorded.error().type}});
    if (!cancelled) log::warn("provider_cancel_postponed", {{"job_id", job.job_id}, {"error", cancelled.error().type}});
  }
  return static_cast<int>(claimed.size());
}

}  // namespace pm::subscriptions
