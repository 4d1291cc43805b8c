#pragma once
// Plans, what they entitle to, and a user's subscription, as the API shows them. Plans are data
// (the `plans` and `plan_prices` tables, migrations/0015): nothing here names a plan but "free",
// the plan of anyone without a paid plan in force.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::subscriptions {

inline constexpr const char* kFreePlan = "free";
// The longest grace a plan may have (PM_PAYMENTS_GRACE_DAYS): a provider's plan whose period ended
// stays in force while its renewal's events are awaited, until the worker lapses it after the
// configured grace days, and never longer than this even with no worker running.
inline constexpr int kMaxGraceDays = 60;

// What a plan unlocks. Every gated place reads one of these (entitlements_of), never a plan name.
struct Entitlements {
  std::string plan_id = kFreePlan;        // the plan these come from (free when a paid plan is not in force)
  bool full_insights = false;             // a match's detailed analysis and premium insights
  bool premium_questions = false;         // questions marked premium_only
  bool who_liked_me = false;              // GET /likes/received lists who, not only how many
  bool rewind = false;                    // POST /matches/rewind undoes the last pass
  int generations_per_day = 3;            // POST /matches/generate
  std::optional<int> likes_per_day = 50;  // nullopt: no limit

  // From a plan's entitlements document; a key it lacks keeps the (free) default above.
  static Entitlements from_json(const std::string& plan_id, const Json& doc) {
    Entitlements e;
    e.plan_id = plan_id;
    e.full_insights = doc.value("full_insights", e.full_insights);
    e.premium_questions = doc.value("premium_questions", e.premium_questions);
    e.who_liked_me = doc.value("who_liked_me", e.who_liked_me);
    e.rewind = doc.value("rewind", e.rewind);
    e.generations_per_day = doc.value("generations_per_day", e.generations_per_day);
    if (doc.contains("likes_per_day"))
      e.likes_per_day =
          doc["likes_per_day"].is_number_integer() ? std::optional(doc["likes_per_day"].get<int>()) : std::nullopt;
    return e;
  }

  Json to_json() const {
    return {{"full_insights", full_insights},
            {"premium_questions", premium_questions},
            {"who_liked_me", who_liked_me},
            {"rewind", rewind},
            {"generations_per_day", generations_per_day},
            {"likes_per_day", likes_per_day ? Json(*likes_per_day) : Json(nullptr)}};
  }
};

struct Price {
  std::string interval;  // month, year
  std::string currency;  // ISO 4217, e.g. EUR
  int amount_minor = 0;  // in the currency's minor unit (cents)

  Json to_json() const { return {{"interval", interval}, {"currency", currency}, {"amount_minor", amount_minor}}; }
};

struct Plan {
  std::string plan_id, name;
  Entitlements entitlements;
  std::vector<Price> prices;  // none for the free plan

  Json to_json() const {
    Json p = Json::array();
    for (const auto& price : prices) p.push_back(price.to_json());
    return {{"plan_id", plan_id}, {"name", name}, {"entitlements", entitlements.to_json()}, {"prices", p}};
  }
};

// GET /api/v1/plans
struct PlanList {
  std::vector<Plan> plans;

  Json to_json() const {
    Json out = Json::array();
    for (const auto& p : plans) out.push_back(p.to_json());
    return {{"plans", out}};
  }
};

// Whether a person's cancel has something to end: a subscription at the payment provider that is
// paid for (in its grace too), or expired here while the provider may still retry its card (a late
// retry that succeeds would charge someone who asked to stop). The cancel refuses (404) what this
// refuses; what the app offers (Subscription::can_cancel) is this, less a plan already set to end
// at its period's end (a second cancel then only answers again).
inline bool cancellable(bool at_provider, std::string_view payment_status) {
  return at_provider && (payment_status == "active" || payment_status == "trialing" || payment_status == "past_due" ||
                         payment_status == "expired");
}

// GET /api/v1/subscription: the stored subscription (the seed's subscription_details) and what it
// entitles to now.
struct Subscription {
  std::string plan_id;                    // plan_type as stored
  std::string status;                     // payment_status as stored: not_required, active, past_due, canceled, ...
  bool in_force = false;                  // a paid plan that is paid for and has not ended (else: free entitlements)
  std::string start_date;                 // ISO 8601
  std::optional<std::string> period_end;  // end_date
  bool cancel_at_period_end = false;
  std::optional<std::string> payment_method;
  bool can_cancel = false;  // a cancel would still stop a charge (not yet asked for, or a lapsed plan)
  Entitlements entitlements;

  Json to_json() const {
    return {{"plan_id", plan_id},
            {"status", status},
            {"in_force", in_force},
            {"start_date", start_date},
            {"period_end", period_end ? Json(*period_end) : Json(nullptr)},
            {"cancel_at_period_end", cancel_at_period_end},
            {"payment_method", payment_method ? Json(*payment_method) : Json(nullptr)},
            {"can_cancel", can_cancel},
            {"entitlements", entitlements.to_json()}};
  }
};

}  // namespace pm::subscriptions
