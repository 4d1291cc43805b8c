#pragma once
// A paid subscription that we end ourselves is cancelled at the provider, or the provider would go
// on charging: when the account is deleted (each renewal's webhook would find no owner, and the
// person could no longer sign in to cancel), when staff ban it (they cannot sign in to cancel
// either), and when staff give the "free" plan in its place (subscriptions/comp.hpp). A deleted
// account's customer record at the provider (the address, name and card the person gave on its
// checkout page) is deleted too. The change's transaction queues a job naming the provider's
// subscription; the worker asks the provider to cancel it at once, as often as it takes: a
// provider that cannot be reached or refuses (a wrong key, a rate limit) is asked again later, and
// never gives up, since a lost job is a charge.

#include <chrono>
#include <pqxx/pqxx>

#include "cache/redis.hpp"
#include "core/id.hpp"
#include "core/problem.hpp"
#include "db/pool.hpp"
#include "subscriptions/payment_events.hpp"
#include "subscriptions/provider.hpp"

namespace pm::subscriptions {

inline constexpr const char* kCancelProviderSubscriptionJob = "cancel_provider_subscription";
inline constexpr std::chrono::seconds kProviderCancelRetry{300};

// Whether the provider may still charge for the row's subscription: anything but an ended one
// (active, trialing, past_due with the provider still retrying the card, or expired here while it is).
bool live_at_provider(const BillingState& state);

// The Redis key of the person's open checkout session (Payments::checkout: one at a time, a day).
std::string open_checkout_key(const UserId& user_id);

// In the caller's transaction, which holds the row locked (billing_state_for_update): queues the
// cancellation of the row's provider subscription if it is live and, with `and_customer`, the
// deletion of its provider customer; and the expiry of `open_checkout`, a checkout session.
void queue_provider_cancellation(pqxx::work& tx, const BillingState& state, bool and_customer = false,
                                 const std::optional<std::string>& open_checkout = std::nullopt);

// In the deletion's transaction, before the user's row goes (locks the subscription row first, as
// a webhook does, so the two wait for each other instead of deadlocking). The person's open
// checkout (read from `redis`) is expired too: paid after the deletion, its subscription would find
// no owner and charge every month for an account nobody can sign in to.
void before_account_deletion(pqxx::work& tx, const UserId& user_id, cache::RedisPool& redis);

// In the ban's transaction: the banned person can no longer sign in to cancel, and the provider
// would go on charging them every month (each renewal making the plan active again). Their open
// checkout is expired too, as at a deletion.
void on_account_banned(pqxx::work& tx, const UserId& user_id, cache::RedisPool& redis);

// The worker's part: up to `limit` queued cancellations sent to `provider`. Without a provider
// (PM_PAYMENTS_PROVIDER=none) they wait. Returns how many were taken.
Result<int> cancel_queued_provider_subscriptions(db::Pool& db, PaymentProvider* provider, int limit);

}  // namespace pm::subscriptions
