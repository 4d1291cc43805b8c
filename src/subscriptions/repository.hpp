#pragma once
// All of the Subscription Service's SQL. Functions take the caller's transaction.

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "subscriptions/model.hpp"
#include "subscriptions/payment_events.hpp"

namespace pm::subscriptions::repository {

// Every plan with its entitlements and prices, in display order.
std::vector<Plan> plans(pqxx::work& tx);

// The user's subscription_details row with what it entitles to now: the plan's entitlements when
// it is in force (a paid plan, "active", not ended), else the free plan's. nullopt for no row.
std::optional<Subscription> subscription_of(pqxx::work& tx, const UserId& user_id);

// The free plan's entitlements (the defaults of Entitlements if the row is missing).
Entitlements free_entitlements(pqxx::work& tx);

// The plans whose entitlement `key` is true or no limit (null), in display order: what unlocks it.
std::vector<std::string> plans_unlocking(pqxx::work& tx, const std::string& key);

// Whether a plan with this id exists.
bool plan_exists(pqxx::work& tx, const std::string& plan_id);
// The plan given without payment for `days` (free: no end, nothing to pay), in place of the row's
// provider subscription, if any (the row then names none; the old one is kept as replaced).
void set_comp(pqxx::work& tx, const UserId& user_id, const std::string& plan_id, int days);

// Payments (payments.hpp). ------------------------------------------------------------------------

// The price of a plan for an interval and currency (and the plan's name); nullopt: none on offer.
struct OfferedPrice {
  std::string plan_name;
  int amount_minor = 0;
};
std::optional<OfferedPrice> price_of(pqxx::work& tx, const std::string& plan_id, const std::string& interval,
                                     const std::string& currency);

// Stores a webhook event's id once: false when it was stored before (a replay or a retry).
bool record_payment_event(pqxx::work& tx, const ProviderEvent& event, const std::string& provider);
void set_payment_event_outcome(pqxx::work& tx, const std::string& event_id, const std::optional<UserId>& user_id,
                               const std::string& outcome);

// Whose subscription an event is about: the user id it carries (if that user exists), else the
// row holding its subscription id, else its customer id.
std::optional<UserId> billing_owner(pqxx::work& tx, const ProviderEvent& event);
// The user's billing state, locked until the end of `tx` (nullopt: no row).
std::optional<BillingState> billing_state_for_update(pqxx::work& tx, const UserId& user_id);
void save_billing_state(pqxx::work& tx, const UserId& user_id, const BillingState& state);

// Ends the plans whose time ran out, returning who and the state they are left in: past_due past
// its grace (expired); active or trialing past the period's end when cancelled, given without
// payment, or paid through a provider whose renewal did not come within `grace_days` (canceled,
// expired).
struct Lapsed {
  UserId user_id;
  std::string plan_type, payment_status, previous_status;
};
std::vector<Lapsed> expire_lapsed(pqxx::work& tx, int grace_days);

// A new account's subscription row: the free plan from now.
void insert_free_subscription(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::subscriptions::repository
