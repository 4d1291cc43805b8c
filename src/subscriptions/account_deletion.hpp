#pragma once
// A deleted account's paid subscription ends with it. Without this the provider would go on
// charging a person who can no longer sign in to cancel (each renewal's webhook finding no owner).
// The deletion's transaction queues a job naming the provider's subscription; the worker asks the
// provider to cancel it at once, as often as it takes: a provider that cannot be reached or refuses
// (a wrong key, a rate limit) is asked again later, and never gives up, since a lost job is a
// charge.

#include <chrono>
#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/problem.hpp"
#include "db/pool.hpp"
#include "subscriptions/provider.hpp"

namespace pm::subscriptions {

inline constexpr const char* kCancelProviderSubscriptionJob = "cancel_provider_subscription";
inline constexpr std::chrono::seconds kProviderCancelRetry{300};

// In the deletion's transaction, before the user's row goes (locks the subscription row first, as
// a webhook does, so the two wait for each other instead of deadlocking): queues the cancellation
// of a provider subscription that has not ended.
void before_account_deletion(pqxx::work& tx, const UserId& user_id);

// The worker's part: up to `limit` queued cancellations sent to `provider`. Without a provider
// (PM_PAYMENTS_PROVIDER=none) they wait. Returns how many were taken.
Result<int> cancel_subscriptions_of_deleted_accounts(db::Pool& db, PaymentProvider* provider, int limit);

}  // namespace pm::subscriptions
