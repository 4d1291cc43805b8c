#include "subscriptions/payments.hpp"

#include <chrono>
#include <regex>

#include "admin/audit_log.hpp"
#include "core/log.hpp"
#include "core/validation.hpp"
#include "db/transaction.hpp"
#include "subscriptions/entitlements.hpp"
#include "subscriptions/provider_cancellation.hpp"
#include "subscriptions/repository.hpp"
#include "subscriptions/signature.hpp"

namespace pm::subscriptions {

namespace {

std::int64_t payments_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A new checkout refused because one before it was paid a moment ago.
Problem just_paid() {
  return invalid_field("plan_id", "a checkout of yours was just paid: your subscription starts in a moment");
}

// As repository.cpp's kSubscriptionOf decides it.
bool billing_in_force(const BillingState& s, std::int64_t now) {
  if (s.plan_type == kFreePlan) return false;
  if (s.payment_status == "active" || s.payment_status == "trialing") {
    const bool renewing = s.subscription_id && !s.cancel_at_period_end;
    return !s.end_date || *s.end_date > now || (renewing && *s.end_date > now - std::int64_t(kMaxGraceDays) * 86400);
  }
  return s.payment_status == "past_due" && s.grace_until && *s.grace_until > now;
}

// A paid subscription of the provider's is in force: a new checkout would be charged beside it.
bool paid_subscription_in_force(const BillingState& s) {
  return s.subscription_id && billing_in_force(s, payments_now());
}

// The audit entry and the notification of a change the user sees (plan, status, cancellation).
std::optional<Json> record_change(pqxx::work& tx, notifications::Service& notifications, const UserId& user_id,
                                  const BillingState& before, const BillingState& after, Json why) {
  why["plan_type"] = after.plan_type;
  why["status"] = after.payment_status;
  why["previous_status"] = before.payment_status;
  why["cancel_at_period_end"] = after.cancel_at_period_end;
  admin::record(tx, {.event = "subscription_changed", .details = why, .subject_id = user_id});
  return notifications.record(tx, user_id, notifications::Type::subscription_changed,
                              {{"plan_type", after.plan_type},
                               {"status", after.payment_status},
                               {"cancel_at_period_end", after.cancel_at_period_end}});
}

}  // namespace

Result<CheckoutInput> CheckoutInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"plan_id", "interval", "currency"});
  // (read with room to spare: "monthly" is told it must be month or year, not that it is long)
  auto plan = f.text("plan_id", true, 50);
  auto interval = f.text("interval", true, 50);
  if (interval && *interval != "month" && *interval != "year") f.fail("interval", "must be month or year");
  auto currency = f.text("currency", true, 50);
  if (currency && !std::regex_match(*currency, std::regex("^[A-Za-z]{3}$")))
    f.fail("currency", "must be an ISO 4217 code, e.g. EUR");
  if (!f.ok()) return std::unexpected(f.problem());
  for (auto& c : *currency) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return CheckoutInput{.plan_id = *plan, .interval = *interval, .currency = *currency};
}

// Each checkout and cancellation calls the provider with the platform's key: a loop of them would
// spend the account's API limit for everyone (and write an audit row each). 429 past the budget.
Result<void> Payments::provider_budget(const UserId& user_id) {
  return cache::enforce(d_.redis, "ratelimit:payments:" + user_id.str(), kProviderCallsPerHour, "payment requests");
}

// One open checkout per person. Two (two tabs, or one left open and another later) could both be
// paid: the second subscription took the first's place in the row, and the first went on charging
// out of reach of cancel. The newest session replaces the one before, which the provider expires;
// should that one have been paid meanwhile, the new one is expired too and refused.
Result<void> Payments::replace_open_checkout(const UserId& user_id, const std::string& session_id) {
  // SET ... GET: of two checkouts at once, each learns the one before it, so one stays open.
  auto previous = d_.redis.command({"SET", open_checkout_key(user_id), session_id, "EX", "86400", "GET"});
  if (!previous) log::warn("checkout_not_remembered", {{"error", previous.error().type}});
  if (!previous || previous->is_nil() || previous->str().empty()) return {};
  auto unpaid = d_.provider->expire_checkout(std::string(previous->str()));
  if (unpaid && *unpaid) return {};
  expire_checkout(session_id);
  if (!unpaid) return std::unexpected(unpaid.error());
  return std::unexpected(just_paid());
}

void Payments::expire_checkout(const std::string& session_id) {
  if (auto expired = d_.provider->expire_checkout(session_id); !expired)
    log::warn("checkout_not_expired", {{"problem", expired.error().type}});
}

Result<CheckoutStarted> Payments::checkout(const UserId& user_id, const CheckoutInput& input) {
  if (!d_.provider) return std::unexpected(Problem("not-ready", "payments are not enabled on this server"));
  CheckoutRequest request{.user_id = user_id.str(),
                          .plan_id = input.plan_id,
                          .interval = input.interval,
                          .currency = input.currency,
                          .price_id = d_.config.price_id(input.plan_id, input.interval, input.currency),
                          .success_url = d_.config.success_url,
                          .cancel_url = d_.config.cancel_url};
  PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    auto price = repository::price_of(tx, input.plan_id, input.interval, input.currency);
    if (!price)
      return std::unexpected(invalid_field("plan_id", "no such plan, interval and currency in GET /api/v1/plans"));
    request.amount_minor = price->amount_minor;
    request.plan_name = price->plan_name;
    auto state = repository::billing_state_for_update(tx, user_id);
    if (!state) return std::unexpected(Problem("not-found", "there is no such user"));
    // Cancelled at the period's end or not: a second subscription now is charged in full at once,
    // and the first runs (paid) to its end, so the overlap was paid twice.
    if (paid_subscription_in_force(*state))
      return std::unexpected(invalid_field(
          "plan_id", state->cancel_at_period_end
                         ? "your paid subscription is in force to the end of its period; subscribe again once it ended"
                         : "you already have a paid subscription in force"));
    request.customer_id = state->customer_id;
    return {};
  }));
  PM_TRY(provider_budget(user_id));
  auto session = PM_TRY(d_.provider->create_checkout(request));
  PM_TRY(replace_open_checkout(user_id, session.id));
  // The checkout before it paid, and its webhook applied, while this one was being made at the
  // provider: that webhook forgot the open checkout, so replace_open_checkout found none to ask
  // about. The subscription is looked at again now that this session is remembered: in force, this
  // session is expired rather than left payable beside it (paying it would charge twice). A webhook
  // applied after this look is met by the next checkout's own first look.
  bool paid_meanwhile = false;
  PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    paid_meanwhile = false;  // (a transaction retried starts again)
    auto state = repository::billing_state_for_update(tx, user_id);
    if (state && paid_subscription_in_force(*state)) {
      paid_meanwhile = true;
      return {};
    }
    admin::record(tx, {.user_id = user_id,
                       .event = "subscription_checkout",
                       .details = {{"plan_id", input.plan_id},
                                   {"interval", input.interval},
                                   {"currency", input.currency},
                                   {"session_id", session.id}}});
    return {};
  }));
  if (paid_meanwhile) {
    expire_checkout(session.id);
    return std::unexpected(just_paid());
  }
  return CheckoutStarted{.url = session.url, .session_id = session.id};
}

Result<Subscription> Payments::cancel(const UserId& user_id) {
  if (!d_.provider) return std::unexpected(Problem("not-ready", "payments are not enabled on this server"));
  auto state = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<BillingState> {
    auto s = repository::billing_state_for_update(tx, user_id);
    if (!s || !cancellable(s->subscription_id.has_value(), s->payment_status))
      return std::unexpected(Problem("not-found", "there is no paid subscription to cancel"));
    return *s;
  }));
  // A lapsed plan has nothing left of its period to keep: ended at once, so the invoice the
  // provider retries is not paid.
  const bool lapsed = state.payment_status == "expired";
  if (lapsed || !state.cancel_at_period_end) {
    PM_TRY(provider_budget(user_id));
    PM_TRY(lapsed ? d_.provider->cancel_now(*state.subscription_id)
                  : d_.provider->cancel_at_period_end(*state.subscription_id));
  }
  return db::transact(d_.db, [&](pqxx::work& tx) -> Result<Subscription> {
    admin::record(tx, {.user_id = user_id,
                       .event = "subscription_cancel_requested",
                       .details = {{"provider_subscription_id", *state.subscription_id}}});
    return *repository::subscription_of(tx, user_id);
  });
}

Result<WebhookReceipt> Payments::webhook(const std::string& body, std::string_view signature) {
  const std::int64_t now = payments_now();
  PM_TRY(verify_signature(signature, body, d_.config.webhook_secret, now, d_.config.tolerance));
  auto doc = PM_TRY(parse_json(body));
  auto event = PM_TRY(parse_stripe_event(doc, now));
  const std::string provider = d_.provider ? d_.provider->name() : d_.config.provider;
  std::optional<std::pair<UserId, Json>> announce;
  std::optional<UserId> paid_checkout_of;
  auto receipt = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<WebhookReceipt> {
    db::AsSystem as_system(tx);  // a webhook is no user's request
    announce.reset();
    paid_checkout_of.reset();
    WebhookReceipt r{.event_id = event.id};
    if (!repository::record_payment_event(tx, event, provider)) {
      r.duplicate = true;
      r.outcome = "duplicate";
      return r;
    }
    auto owner = repository::billing_owner(tx, event);
    auto state = owner ? repository::billing_state_for_update(tx, *owner) : std::nullopt;
    if (event.kind == EventKind::other) {
      r.outcome = "ignored";
    } else if (!state) {
      r.outcome = "unmatched";
      // It names, as the checkout was told, an account deleted here (the log holds its deletion):
      // with a checkout open that was paid afterwards (a deletion that could not read the open
      // checkout left it payable), or one whose subscription's events still come. The provider
      // would charge it every month, and nobody can sign in to cancel: cancelled at once, its
      // customer deleted. (Merely unknown is not enough: the provider sends an endpoint every event
      // of its account, which may serve another system too.)
      if (event.user_id && event.subscription_id && event.kind != EventKind::subscription_deleted &&
          admin::account_was_deleted(tx, *event.user_id))
        queue_provider_cancellation(tx,
                                    {.payment_status = event.status.value_or("active"),
                                     .provider = provider,
                                     .customer_id = event.customer_id,
                                     .subscription_id = event.subscription_id},
                                    /*and_customer=*/true);
    } else {
      BillingState next = *state;
      Outcome o = apply_event(next, event, provider, d_.config.grace_days, now);
      r.outcome = outcome_name(o);
      if (o == Outcome::applied) {
        // A new subscription took the row's place (checked out again after the old one lapsed here
        // while the provider still retried its card, or was left incomplete): the old one is
        // cancelled at the provider, or it could charge again, out of reach of cancel for good.
        if (state->subscription_id && next.subscription_id != state->subscription_id && !state->cancel_at_period_end)
          queue_provider_cancellation(tx, *state);
        const Entitlements before = entitlements_of(tx, *owner);
        repository::save_billing_state(tx, *owner, next);
        follow_plan_change(tx, *owner, before);
        if (event.kind == EventKind::checkout_completed) paid_checkout_of = *owner;
        if (!next.same_as_user_sees(*state))
          if (auto n = record_change(tx, d_.notifications, *owner, *state, next,
                                     {{"event_id", event.id}, {"event_type", event.type}}))
            announce = {{*owner, *n}};
      }
    }
    repository::set_payment_event_outcome(tx, event.id, state ? owner : std::nullopt, r.outcome);
    return r;
  }));
  if (announce) d_.notifications.announce({*announce});
  // The paid checkout is no longer open (it is the one remembered: a newer one would have found it
  // paid and been refused). Remembered, it made the next checkout within its day "just paid".
  if (paid_checkout_of)
    if (auto r = d_.redis.command({"DEL", open_checkout_key(*paid_checkout_of)}); !r)
      log::warn("checkout_not_forgotten", {{"error", r.error().type}});
  log::info("payment_event", {{"event_id", event.id}, {"type", event.type}, {"outcome", receipt.outcome}});
  return receipt;
}

Result<int> expire_lapsed(db::Pool& db, notifications::Service& notifications, int grace_days) {
  notifications::Service::Recorded announce;
  auto n = db::transact(db, [&](pqxx::work& tx) -> Result<int> {
    db::AsSystem as_system(tx);
    auto lapsed = repository::expire_lapsed(tx, grace_days);
    std::map<std::string, bool> premium_questions;  // by plan, read when a plan lapsed (once a minute: mostly none)
    if (!lapsed.empty())
      for (const auto& plan : repository::plans(tx))
        premium_questions[plan.plan_id] = plan.entitlements.premium_questions;
    for (const auto& l : lapsed) {
      // Its plan's entitlements until its end (or its grace's), the free plan's from now: the
      // answers follow when that locks premium questions.
      if (premium_questions[l.plan_type] != premium_questions[kFreePlan]) queue_plan_follow(tx, l.user_id);
      admin::record(tx, {.event = "subscription_changed",
                         .details = {{"plan_type", l.plan_type},
                                     {"status", l.payment_status},
                                     {"previous_status", l.previous_status},
                                     {"reason", "lapsed"}},
                         .subject_id = l.user_id});
      if (auto note = notifications.record(tx, l.user_id, notifications::Type::subscription_changed,
                                           {{"plan_type", l.plan_type}, {"status", l.payment_status}}))
        announce.emplace_back(l.user_id, *note);
    }
    return static_cast<int>(lapsed.size());
  });
  if (n) notifications.announce(announce);
  return n;
}

}  // namespace pm::subscriptions
