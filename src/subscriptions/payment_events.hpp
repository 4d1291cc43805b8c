#pragma once
// A payment provider's webhook event (Stripe's shapes: {id, type, created, data: {object}}), read
// into what the subscription lifecycle needs, and the lifecycle itself as a pure function: the
// stored billing state plus one event gives the next state.
//
// Lifecycle (payment_status): trialing -> active -> past_due (a failed payment: the plan stays in
// force until grace_until, PM_PAYMENTS_GRACE_DAYS) -> canceled (at the end of the period, or at
// once) / expired (grace or period over without payment; the worker, expire_lapsed). Ordering: an
// event whose `created` is older than the newest event applied to the row changes nothing, so a
// late or reordered delivery never overwrites newer state.

#include <cstdint>
#include <optional>
#include <string>

#include "core/id.hpp"
#include "core/json.hpp"
#include "core/problem.hpp"

namespace pm::subscriptions {

enum class EventKind {
  checkout_completed,
  checkout_unpaid,  // completed with the payment still to come (a delayed method): links, activates nothing
  invoice_paid,
  payment_failed,
  subscription_updated,
  subscription_deleted,
  other
};

struct ProviderEvent {
  std::string id, type;
  std::int64_t created = 0;  // unix seconds
  EventKind kind = EventKind::other;
  std::optional<UserId> user_id;  // client_reference_id or metadata.user_id (as sent at checkout), if a UUID
  std::optional<std::string> plan_id, interval;  // metadata
  std::optional<std::string> subscription_id, customer_id;
  std::optional<std::string> status;  // a subscription object's status
  std::optional<std::int64_t> period_end;
  std::optional<bool> cancel_at_period_end;
  std::optional<std::string> card_brand, card_last4;
};

// 400 validation-failed when the document is not an event (no id, type, created or data.object;
// an id or type other than printable ASCII; created after `now`, unix seconds, by more than the
// clocks' skew).
Result<ProviderEvent> parse_stripe_event(const Json& doc, std::int64_t now);

// A user's subscription_details row as the lifecycle sees it (times in unix seconds).
struct BillingState {
  std::string plan_type = "free";
  std::string payment_status = "not_required";
  std::optional<std::string> payment_method;
  std::int64_t start_date = 0;
  std::optional<std::int64_t> end_date;
  bool cancel_at_period_end = false;
  std::optional<std::string> provider, customer_id, subscription_id, card_brand, card_last4;
  std::optional<std::int64_t> grace_until;
  std::optional<std::int64_t> state_at;  // `created` of the newest event applied
  // A subscription staff replaced with a plan of theirs and had cancelled (comp.hpp): its events
  // change nothing. Read only; the grant writes it.
  std::optional<std::string> replaced_subscription_id;
  // The subscription the provider ended for good (deleted, or a status it never leaves): its later
  // events change nothing either, whatever their time.
  std::optional<std::string> ended_subscription_id;

  bool same_as_user_sees(const BillingState& o) const {
    return plan_type == o.plan_type && payment_status == o.payment_status &&
           cancel_at_period_end == o.cancel_at_period_end;
  }
};

enum class Outcome { applied, stale, ignored };

// The next state for `event` (received now: `now`), or why it changes nothing: stale (older than
// the state), ignored (not about this subscription, or a type we do not act on).
Outcome apply_event(BillingState& state, const ProviderEvent& event, const std::string& provider, int grace_days,
                    std::int64_t now);

const char* outcome_name(Outcome o);

}  // namespace pm::subscriptions
