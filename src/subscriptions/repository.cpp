#include "subscriptions/repository.hpp"

#include "db/row.hpp"

namespace pm::subscriptions::repository {

namespace {

constexpr const char* kPlans = R"sql(
  SELECT p.plan_id, p.name, p.entitlements::text AS entitlements,
         coalesce((SELECT jsonb_agg(jsonb_build_object('interval', pp.billing_interval, 'currency', pp.currency,
                                                       'amount_minor', pp.amount_minor)
                                    ORDER BY pp.billing_interval, pp.currency)
                   FROM plan_prices pp WHERE pp.plan_id = p.plan_id), '[]'::jsonb)::text AS prices
  FROM plans p ORDER BY p.display_order
)sql";
// A paid plan is in force while it is paid for ("active") and has not ended.
constexpr const char* kSubscriptionOf = R"sql(
  SELECT s.plan_type, s.payment_status, s.payment_method, s.cancel_at_period_end,
         to_char(s.start_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS start_date,
         to_char(s.end_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS end_date,
         (s.plan_type <> 'free' AND s.payment_status = 'active' AND (s.end_date IS NULL OR s.end_date > now())
          AND p.plan_id IS NOT NULL) AS in_force,
         p.entitlements::text AS plan_entitlements,
         (SELECT f.entitlements::text FROM plans f WHERE f.plan_id = 'free') AS free_entitlements
  FROM subscription_details s LEFT JOIN plans p ON p.plan_id = s.plan_type
  WHERE s.user_id = $1
)sql";
constexpr const char* kFreeEntitlements = R"sql(
  SELECT entitlements::text AS entitlements FROM plans WHERE plan_id = 'free'
)sql";
constexpr const char* kPlansUnlocking = R"sql(
  SELECT plan_id FROM plans
  WHERE entitlements -> $1 = 'true'::jsonb OR entitlements -> $1 = 'null'::jsonb
  ORDER BY display_order
)sql";

constexpr const char* kPlanExists = R"sql(SELECT 1 FROM plans WHERE plan_id = $1)sql";
constexpr const char* kSetComp = R"sql(
  UPDATE subscription_details
  SET plan_type = $2::text, start_date = now(), cancel_at_period_end = false,
      payment_status = CASE WHEN $2::text = 'free' THEN 'not_required' ELSE 'active' END,
      payment_method = CASE WHEN $2::text = 'free' THEN NULL ELSE 'comp' END,
      end_date = CASE WHEN $2::text = 'free' THEN NULL ELSE now() + make_interval(days => $3::int) END
  WHERE user_id = $1
  RETURNING user_id
)sql";

}  // namespace

std::vector<Plan> plans(pqxx::work& tx) {
  std::vector<Plan> out;
  for (const auto& r : tx.exec(kPlans)) {
    Plan p{.plan_id = r["plan_id"].as<std::string>(), .name = r["name"].as<std::string>()};
    p.entitlements = Entitlements::from_json(p.plan_id, Json::parse(r["entitlements"].as<std::string>()));
    for (const auto& price : Json::parse(r["prices"].as<std::string>()))
      p.prices.push_back({.interval = price["interval"].get<std::string>(),
                          .currency = price["currency"].get<std::string>(),
                          .amount_minor = price["amount_minor"].get<int>()});
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<Subscription> subscription_of(pqxx::work& tx, const std::string& user_id) {
  auto rows = tx.exec_params(kSubscriptionOf, user_id);
  if (rows.empty()) return std::nullopt;
  const auto& r = rows[0];
  Subscription s{.plan_id = r["plan_type"].as<std::string>(),
                 .status = r["payment_status"].as<std::string>(),
                 .in_force = r["in_force"].as<bool>(),
                 .start_date = r["start_date"].as<std::string>(),
                 .period_end = db::opt<std::string>(r, "end_date"),
                 .cancel_at_period_end = r["cancel_at_period_end"].as<bool>(),
                 .payment_method = db::opt<std::string>(r, "payment_method")};
  if (s.in_force)
    s.entitlements = Entitlements::from_json(s.plan_id, db::json_or(r, "plan_entitlements", Json::object()));
  else
    s.entitlements = Entitlements::from_json(kFreePlan, db::json_or(r, "free_entitlements", Json::object()));
  return s;
}

Entitlements free_entitlements(pqxx::work& tx) {
  auto rows = tx.exec(kFreeEntitlements);
  return Entitlements::from_json(kFreePlan,
                                 rows.empty() ? Json::object() : db::json_or(rows[0], "entitlements", Json::object()));
}

std::vector<std::string> plans_unlocking(pqxx::work& tx, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params(kPlansUnlocking, key)) out.push_back(r["plan_id"].as<std::string>());
  return out;
}

bool plan_exists(pqxx::work& tx, const std::string& plan_id) { return !tx.exec_params(kPlanExists, plan_id).empty(); }

bool set_comp(pqxx::work& tx, const std::string& user_id, const std::string& plan_id, int days) {
  return !tx.exec_params(kSetComp, user_id, plan_id, days).empty();
}

}  // namespace pm::subscriptions::repository
