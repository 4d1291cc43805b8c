#pragma once
// What a user's plan entitles them to, read inside the caller's transaction: the one function
// every gated place asks (premium insights, premium-only questions, generations and likes per
// day, who liked me, rewind). Plans are data (migrations/0015, docs/subscriptions.md): no caller
// names a plan.

#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "core/problem.hpp"
#include "subscriptions/model.hpp"

namespace pm::subscriptions {

// The entitlements of the user's plan while it is in force (a paid plan whose payment_status is
// "active" and that has not ended), else those of the free plan. payment_status: "not_required"
// (the free plan), "active" (paid for the current period), and the states a payment provider
// reports for money not received ("pending", "past_due", "unpaid", "canceled", ...): anything but
// "active" entitles to the free plan's.
Entitlements entitlements_of(pqxx::work& tx, const UserId& user_id);

// After a change of the user's plan in `tx` (a provider's event, a lapse, a plan staff gave): when
// it changed whether premium questions are unlocked, the user's answers are to follow (premium
// answers retired while they are locked, current again once unlocked) and their vectors to be
// computed again: a "compute_vectors" job with reason "plan_changed" (matching/engine.hpp). Else a
// lapsed plan's premium answers went on being scored until the user's next answer.
void follow_plan_change(pqxx::work& tx, const UserId& user_id, const Entitlements& before);
// The same job, for a change known to matter (a plan that unlocked premium questions lapsed).
void queue_plan_follow(pqxx::work& tx, const UserId& user_id);

// The plans that unlock `feature` (an entitlement's name): true, or no limit.
std::vector<std::string> plans_unlocking(pqxx::work& tx, std::string_view feature);

// 403 "premium-required" for a gated `feature` (an entitlement's name, e.g. "rewind"), naming the
// plans that unlock it ("unlocked_by") and where to see them ("plans": /api/v1/plans).
Problem premium_required(pqxx::work& tx, std::string_view feature, std::string detail);

}  // namespace pm::subscriptions
