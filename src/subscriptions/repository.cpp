#include "subscriptions/repository.hpp"

#include "db/row.hpp"
#include "db/transaction.hpp"
#include "subscriptions/personal_data.hpp"

namespace pm::subscriptions::repository {

namespace {

constexpr const char* kInsertFreeSubscription = R"sql(
  INSERT INTO subscription_details (user_id, plan_type, start_date, payment_status)
  VALUES ($1, 'free', now(), 'not_required')
)sql";
constexpr const char* kPlans = R"sql(
  SELECT p.plan_id, p.name, p.entitlements::text AS entitlements,
         coalesce((SELECT jsonb_agg(jsonb_build_object('interval', pp.billing_interval, 'currency', pp.currency,
                                                       'amount_minor', pp.amount_minor)
                                    ORDER BY pp.billing_interval, pp.currency)
                   FROM plan_prices pp WHERE pp.plan_id = p.plan_id), '[]'::jsonb)::text AS prices
  FROM plans p ORDER BY p.display_order
)sql";
// A paid plan is in force while it is paid for ("active", or "trialing") and has not ended, or
// while a failed payment's grace period lasts ("past_due" until grace_until). A provider's plan
// that will renew is also in force past its period's end, while the renewal's events are on their
// way (the provider charges about an hour after the end, and retries its webhooks for days): the
// worker lapses it when none came within the grace days (kExpireLapsed), $2 days at most.
constexpr const char* kSubscriptionOf = R"sql(
  SELECT s.plan_type, s.payment_status, s.payment_method, s.cancel_at_period_end,
         s.provider_subscription_id IS NOT NULL AS at_provider,
         to_char(s.start_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS start_date,
         to_char(s.end_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS end_date,
         coalesce(s.plan_type <> 'free' AND p.plan_id IS NOT NULL AND (
            (s.payment_status IN ('active', 'trialing') AND (s.end_date IS NULL OR s.end_date > now()
               OR (s.provider_subscription_id IS NOT NULL AND NOT s.cancel_at_period_end
                   AND s.end_date > now() - make_interval(days => $2::int))))
            OR (s.payment_status = 'past_due' AND s.grace_until > now())), false) AS in_force,
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
// A plan given by staff. Provider events created before it are stale from now on. The row's
// provider subscription, live (cancelled at the provider by the caller's job) or ended, leaves it
// and is kept as replaced, so its stray events are ignored: an ended one left there made the comp
// count as a provider's plan, live, so a second grant was refused, a cancel asked the provider about
// a dead subscription (503 every time), and its expiry waited out a provider's grace days.
constexpr const char* kSetComp = R"sql(
  UPDATE subscription_details
  SET plan_type = $2::text, start_date = now(), cancel_at_period_end = false, grace_until = NULL,
      payment_status = CASE WHEN $2::text = 'free' THEN 'not_required' ELSE 'active' END,
      payment_method = CASE WHEN $2::text = 'free' THEN NULL ELSE 'comp' END,
      end_date = CASE WHEN $2::text = 'free' THEN NULL ELSE now() + make_interval(days => $3::int) END,
      provider_state_at = now(),
      provider_replaced_subscription_id = coalesce(provider_subscription_id, provider_replaced_subscription_id),
      provider_subscription_id = NULL
  WHERE user_id = $1
)sql";

constexpr const char* kPriceOf = R"sql(
  SELECT p.name, pp.amount_minor FROM plan_prices pp JOIN plans p ON p.plan_id = pp.plan_id
  WHERE pp.plan_id = $1 AND pp.billing_interval = $2 AND pp.currency = $3
)sql";
constexpr const char* kRecordEvent = R"sql(
  INSERT INTO payment_events (event_id, provider, event_type, created_at, provider_subscription_id, outcome)
  VALUES ($1, $2, $3, to_timestamp($4::bigint), $5, 'received')
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id
)sql";
constexpr const char* kEventOutcome = R"sql(
  UPDATE payment_events SET user_id = $2::uuid, outcome = $3 WHERE event_id = $1
)sql";
constexpr const char* kOwnerByUser = R"sql(
  SELECT user_id::text AS user_id FROM subscription_details WHERE user_id = $1::uuid
)sql";
constexpr const char* kOwnerBySubscription = R"sql(
  SELECT user_id::text AS user_id FROM subscription_details WHERE provider_subscription_id = $1
)sql";
constexpr const char* kOwnerByCustomer = R"sql(
  SELECT user_id::text AS user_id FROM subscription_details WHERE provider_customer_id = $1
  ORDER BY provider_state_at DESC NULLS LAST LIMIT 1
)sql";
constexpr const char* kBillingForUpdate = R"sql(
  SELECT plan_type, payment_status, payment_method, cancel_at_period_end,
         extract(epoch FROM start_date)::bigint AS start_date, extract(epoch FROM end_date)::bigint AS end_date,
         provider, provider_customer_id, provider_subscription_id, card_brand, card_last4,
         extract(epoch FROM grace_until)::bigint AS grace_until,
         extract(epoch FROM provider_state_at)::bigint AS state_at, provider_replaced_subscription_id,
         provider_ended_subscription_id
  FROM subscription_details WHERE user_id = $1::uuid
  FOR UPDATE
)sql";
constexpr const char* kSaveBilling = R"sql(
  UPDATE subscription_details
  SET plan_type = $2, payment_status = $3, payment_method = $4, cancel_at_period_end = $5,
      start_date = to_timestamp($6::bigint), end_date = to_timestamp($7::bigint), provider = $8,
      provider_customer_id = $9, provider_subscription_id = $10, card_brand = $11, card_last4 = $12,
      grace_until = to_timestamp($13::bigint), provider_state_at = to_timestamp($14::bigint),
      provider_ended_subscription_id = $15
  WHERE user_id = $1::uuid
)sql";
// Who lapses now, and into what. Plans paid through a provider are left a grace period after the
// period's end for the renewal's webhook to arrive.
constexpr const char* kExpireLapsed = R"sql(
  WITH lapsed AS (
    SELECT user_id, payment_status AS previous_status,
           CASE WHEN payment_status IN ('active', 'trialing') AND cancel_at_period_end THEN 'canceled'
                ELSE 'expired' END AS next_status
    FROM subscription_details
    WHERE plan_type <> 'free' AND (
      (payment_status = 'past_due' AND (grace_until IS NULL OR grace_until <= now()))
      OR (payment_status IN ('active', 'trialing') AND end_date <= now()
          AND (cancel_at_period_end OR provider_subscription_id IS NULL
               OR end_date <= now() - make_interval(days => $1::int))))
    FOR UPDATE SKIP LOCKED
  )
  UPDATE subscription_details s
  SET payment_status = l.next_status, grace_until = NULL, cancel_at_period_end = false,
      end_date = least(coalesce(s.end_date, now()), now())
  FROM lapsed l WHERE s.user_id = l.user_id
  RETURNING s.user_id::text AS user_id, s.plan_type, s.payment_status, l.previous_status
)sql";

// The data export's part (personal_data.hpp).
constexpr std::pair<const char*, const char*> kExportQueries[] = {
    {"subscription", R"sql(SELECT to_jsonb(t) AS entry FROM subscription_details t WHERE user_id = $1)sql"},
};
constexpr std::pair<const char*, const char*> kExportBillingQueries[] = {
    {"payment_events",
     R"sql(SELECT to_jsonb(t) AS entry FROM payment_events t WHERE user_id = $1 ORDER BY received_at, event_id)sql"},
};

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

std::optional<Subscription> subscription_of(pqxx::work& tx, const UserId& user_id) {
  auto rows = tx.exec_params(kSubscriptionOf, user_id, kMaxGraceDays);
  if (rows.empty()) return std::nullopt;
  const auto& r = rows[0];
  Subscription s{.plan_id = r["plan_type"].as<std::string>(),
                 .status = r["payment_status"].as<std::string>(),
                 .in_force = r["in_force"].as<bool>(),
                 .start_date = r["start_date"].as<std::string>(),
                 .period_end = db::opt<std::string>(r, "end_date"),
                 .cancel_at_period_end = r["cancel_at_period_end"].as<bool>(),
                 .payment_method = db::opt<std::string>(r, "payment_method")};
  // Asked once already, a cancel at the period's end has nothing more to stop; a lapsed plan is
  // ended at once whatever it says (Payments::cancel).
  s.can_cancel =
      cancellable(r["at_provider"].as<bool>(), s.status) && (!s.cancel_at_period_end || s.status == "expired");
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

void set_comp(pqxx::work& tx, const UserId& user_id, const std::string& plan_id, int days) {
  tx.exec_params(kSetComp, user_id, plan_id, days);
}

std::optional<OfferedPrice> price_of(pqxx::work& tx, const std::string& plan_id, const std::string& interval,
                                     const std::string& currency) {
  auto rows = tx.exec_params(kPriceOf, plan_id, interval, currency);
  if (rows.empty()) return std::nullopt;
  return OfferedPrice{.plan_name = rows[0]["name"].as<std::string>(),
                      .amount_minor = rows[0]["amount_minor"].as<int>()};
}

bool record_payment_event(pqxx::work& tx, const ProviderEvent& event, const std::string& provider) {
  return !tx.exec_params(kRecordEvent, event.id, provider, event.type, event.created, event.subscription_id).empty();
}

void set_payment_event_outcome(pqxx::work& tx, const std::string& event_id, const std::optional<UserId>& user_id,
                               const std::string& outcome) {
  tx.exec_params(kEventOutcome, event_id, user_id, outcome);
}

std::optional<UserId> billing_owner(pqxx::work& tx, const ProviderEvent& event) {
  if (event.user_id)
    if (auto rows = tx.exec_params(kOwnerByUser, *event.user_id); !rows.empty()) return rows[0]["user_id"].as<UserId>();
  if (event.subscription_id)
    if (auto rows = tx.exec_params(kOwnerBySubscription, *event.subscription_id); !rows.empty())
      return rows[0]["user_id"].as<UserId>();
  if (event.customer_id)
    if (auto rows = tx.exec_params(kOwnerByCustomer, *event.customer_id); !rows.empty())
      return rows[0]["user_id"].as<UserId>();
  return std::nullopt;
}

std::optional<BillingState> billing_state_for_update(pqxx::work& tx, const UserId& user_id) {
  auto rows = tx.exec_params(kBillingForUpdate, user_id);
  if (rows.empty()) return std::nullopt;
  const auto& r = rows[0];
  return BillingState{.plan_type = r["plan_type"].as<std::string>(),
                      .payment_status = r["payment_status"].as<std::string>(),
                      .payment_method = db::opt<std::string>(r, "payment_method"),
                      .start_date = r["start_date"].as<std::int64_t>(),
                      .end_date = db::opt<std::int64_t>(r, "end_date"),
                      .cancel_at_period_end = r["cancel_at_period_end"].as<bool>(),
                      .provider = db::opt<std::string>(r, "provider"),
                      .customer_id = db::opt<std::string>(r, "provider_customer_id"),
                      .subscription_id = db::opt<std::string>(r, "provider_subscription_id"),
                      .card_brand = db::opt<std::string>(r, "card_brand"),
                      .card_last4 = db::opt<std::string>(r, "card_last4"),
                      .grace_until = db::opt<std::int64_t>(r, "grace_until"),
                      .state_at = db::opt<std::int64_t>(r, "state_at"),
                      .replaced_subscription_id = db::opt<std::string>(r, "provider_replaced_subscription_id"),
                      .ended_subscription_id = db::opt<std::string>(r, "provider_ended_subscription_id")};
}

void save_billing_state(pqxx::work& tx, const UserId& user_id, const BillingState& s) {
  tx.exec_params(kSaveBilling, user_id, s.plan_type, s.payment_status, s.payment_method, s.cancel_at_period_end,
                 s.start_date, s.end_date, s.provider, s.customer_id, s.subscription_id, s.card_brand, s.card_last4,
                 s.grace_until, s.state_at, s.ended_subscription_id);
}

std::vector<Lapsed> expire_lapsed(pqxx::work& tx, int grace_days) {
  std::vector<Lapsed> out;
  for (const auto& r : tx.exec_params(kExpireLapsed, grace_days))
    out.push_back({.user_id = r["user_id"].as<UserId>(),
                   .plan_type = r["plan_type"].as<std::string>(),
                   .payment_status = r["payment_status"].as<std::string>(),
                   .previous_status = r["previous_status"].as<std::string>()});
  return out;
}

void insert_free_subscription(pqxx::work& tx, const UserId& user_id) {
  tx.exec_params(kInsertFreeSubscription, user_id);
}

}  // namespace pm::subscriptions::repository

namespace pm::subscriptions {

Json personal_data(pqxx::work& tx, const UserId& user_id) {
  Json out = db::export_entries(tx, repository::kExportQueries, user_id);
  // The billing history: the provider's events about the person's plan (system rows, which
  // row-level security shows to the system alone), oldest first.
  db::AsSystem system(tx);
  out.update(db::export_entries(tx, repository::kExportBillingQueries, user_id));
  return out;
}

}  // namespace pm::subscriptions
