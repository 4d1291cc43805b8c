#pragma once
// Payments for the Subscription Service (issue 12, docs/subscriptions.md "Payments"): checkout
// through the provider's hosted page, cancelling at the end of the period, and the provider's
// signed webhooks, which are the only thing that changes a paid plan. Each event is stored once by
// its id (a replay or retry changes nothing) and applied only when it is not older than the state
// it would change (payment_events.hpp). Every change of plan, status or cancellation writes the
// audit log and records the `subscription.changed` notification, in the transaction that makes it.

#include <memory>
#include <string>

#include "cache/rate_limit.hpp"
#include "cache/redis.hpp"
#include "core/json.hpp"
#include "core/problem.hpp"
#include "db/pool.hpp"
#include "notifications/service.hpp"
#include "subscriptions/model.hpp"
#include "subscriptions/payments_config.hpp"
#include "subscriptions/provider.hpp"

namespace pm::subscriptions {

struct CheckoutInput {
  std::string plan_id, interval, currency;
  static Result<CheckoutInput> parse(const Json& body);
};

struct CheckoutStarted {
  std::string url, session_id;
  Json to_json() const { return {{"url", url}, {"session_id", session_id}}; }
};

struct WebhookReceipt {
  std::string event_id;
  bool duplicate = false;
  std::string outcome;  // applied, stale, ignored, unmatched; "duplicate" for one stored before
  Json to_json() const {
    return {{"received", true}, {"event_id", event_id}, {"duplicate", duplicate}, {"outcome", outcome}};
  }
};

class Payments {
 public:
  struct Deps {
    db::Pool& db;
    cache::RedisPool& redis;  // the per-user budget of calls to the provider
    notifications::Service& notifications;
    PaymentsConfig config;
    std::unique_ptr<PaymentProvider> provider;  // null: payments are off (PM_PAYMENTS_PROVIDER=none)
  };
  explicit Payments(Deps deps) : d_(std::move(deps)) {}
  // Checkouts and cancellations that reach the provider, per user.
  static constexpr cache::Limit kProviderCallsPerHour{.max = 10, .window = std::chrono::hours(1)};

  // A Checkout Session for the plan's price; the answer's url is the provider's page.
  Result<CheckoutStarted> checkout(const UserId& user_id, const CheckoutInput& input);
  // Asks the provider to end the user's subscription at the end of its period; the provider's
  // customer.subscription.updated event records it. 404 when there is no paid subscription.
  Result<Subscription> cancel(const UserId& user_id);
  // A webhook delivery: the raw body and its Stripe-Signature header.
  Result<WebhookReceipt> webhook(const std::string& body, std::string_view signature);

  const PaymentsConfig& config() const { return d_.config; }

 private:
  Result<void> provider_budget(const UserId& user_id);
  Result<void> replace_open_checkout(const UserId& user_id, const std::string& session_id);
  // Expires a session at the provider; a refusal is logged (the session then lapses in its day).
  void expire_checkout(const std::string& session_id);
  Deps d_;
};

// The worker's part of the lifecycle: expires the plans whose grace or period ran out (see
// repository::expire_lapsed), each with its audit entry and notification. Returns how many.
Result<int> expire_lapsed(db::Pool& db, notifications::Service& notifications, int grace_days);

}  // namespace pm::subscriptions
