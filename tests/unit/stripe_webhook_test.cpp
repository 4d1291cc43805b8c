// The payment webhook's pure parts: the Stripe-Signature check and the subscription lifecycle
// (each event's effect on the stored state, and an older event never overwriting a newer one).

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "subscriptions/payment_events.hpp"
#include "subscriptions/payments_config.hpp"
#include "subscriptions/signature.hpp"

using namespace pm;
using namespace pm::subscriptions;

namespace {
constexpr std::int64_t kNow = 1'800'000'000;  // the receiving server's clock, after every event below
}  // namespace

TEST(StripeSignature, AcceptsItsOwnSignatureAndRefusesEveryChange) {
  const std::string body = R"({"id":"evt_1"})";
  const auto header = sign_payload("whsec_x", 1000, body);
  EXPECT_TRUE(header.starts_with("t=1000,v1="));
  EXPECT_EQ(header.size(), std::string("t=1000,v1=").size() + 64);
  EXPECT_TRUE(verify_signature(header, body, "whsec_x", 1000, std::chrono::seconds(300)).has_value());
  EXPECT_TRUE(verify_signature(header, body, "whsec_x", 1300, std::chrono::seconds(300)).has_value());
  EXPECT_FALSE(verify_signature(header, body, "whsec_x", 1301, std::chrono::seconds(300)).has_value());
  EXPECT_FALSE(verify_signature(header, body, "whsec_y", 1000, std::chrono::seconds(300)).has_value());
  EXPECT_FALSE(verify_signature(header, body + " ", "whsec_x", 1000, std::chrono::seconds(300)).has_value());
  EXPECT_FALSE(verify_signature("", body, "whsec_x", 1000, std::chrono::seconds(300)).has_value());
  EXPECT_FALSE(verify_signature("t=1000", body, "whsec_x", 1000, std::chrono::seconds(300)).has_value());
  EXPECT_FALSE(
      verify_signature("t=abc," + header.substr(header.find("v1=")), body, "whsec_x", 1000, std::chrono::seconds(300))
          .has_value());
  // Another scheme (v0) is not a v1 signature; several v1 are fine when one matches.
  EXPECT_FALSE(verify_signature("t=1000,v0=" + header.substr(header.find("v1=") + 3), body, "whsec_x", 1000,
                                std::chrono::seconds(300))
                   .has_value());
  EXPECT_TRUE(verify_signature("t=1000,v1=00," + header.substr(header.find("v1=")) + ",v1=ff", body, "whsec_x", 1000,
                               std::chrono::seconds(300))
                  .has_value());
  auto refused = verify_signature(header, body, "whsec_y", 1000, std::chrono::seconds(300));
  EXPECT_EQ(refused.error().status, 401);
  // A server with no secret configured trusts no event, whatever it carries.
  auto unconfigured = verify_signature(sign_payload("", 1000, body), body, "", 1000, std::chrono::seconds(300));
  ASSERT_FALSE(unconfigured.has_value());
  EXPECT_EQ(unconfigured.error().status, 401);
}

namespace {

ProviderEvent subscription_event(std::int64_t created, const std::string& status, std::int64_t period_end) {
  Json doc = {{"id", "evt_" + std::to_string(created)},
              {"type", "customer.subscription.updated"},
              {"created", created},
              {"data",
               {{"object",
                 {{"id", "sub_1"},
                  {"object", "subscription"},
                  {"customer", "cus_1"},
                  {"status", status},
                  {"current_period_end", period_end},
                  {"cancel_at_period_end", false},
                  {"metadata", {{"user_id", "u"}, {"plan_id", "premium"}}}}}}}};
  return *parse_stripe_event(doc, kNow);
}

}  // namespace

TEST(SubscriptionLifecycle, TrialingActivePastDueWithGraceAndCanceled) {
  BillingState s;
  EXPECT_EQ(apply_event(s, subscription_event(100, "trialing", 1000), "stripe", 3, 100), Outcome::applied);
  EXPECT_EQ(s.plan_type, "premium");
  EXPECT_EQ(s.payment_status, "trialing");
  EXPECT_EQ(s.end_date, 1000);
  EXPECT_EQ(s.subscription_id, "sub_1");
  EXPECT_EQ(apply_event(s, subscription_event(200, "active", 2000), "stripe", 3, 200), Outcome::applied);
  EXPECT_EQ(s.payment_status, "active");
  EXPECT_EQ(apply_event(s, subscription_event(300, "past_due", 3000), "stripe", 3, 300), Outcome::applied);
  EXPECT_EQ(s.payment_status, "past_due");
  EXPECT_EQ(s.grace_until, 300 + 3 * 86400);
  // A second failure does not extend the grace period.
  EXPECT_EQ(apply_event(s, subscription_event(400, "past_due", 3000), "stripe", 3, 400), Outcome::applied);
  EXPECT_EQ(s.grace_until, 300 + 3 * 86400);
  // Older than the state: nothing.
  EXPECT_EQ(apply_event(s, subscription_event(250, "active", 9000), "stripe", 3, 500), Outcome::stale);
  EXPECT_EQ(s.payment_status, "past_due");
  EXPECT_EQ(apply_event(s, subscription_event(500, "canceled", 3000), "stripe", 3, 500), Outcome::applied);
  EXPECT_EQ(s.payment_status, "canceled");
}

// A failed payment keeps a paid plan for the grace period. Before, it gave one to a subscription
// never paid for (its first invoice failed) and gave it again at each of the provider's retries
// after the grace had run out: premium for nothing, again and again.
TEST(SubscriptionLifecycle, AFailedPaymentGivesGraceOnlyToAPlanThatWasPaidFor) {
  auto failed = [](std::int64_t created) {
    Json doc = {{"id", "evt_failed_" + std::to_string(created)},
                {"type", "invoice.payment_failed"},
                {"created", created},
                {"data",
                 {{"object",
                   {{"object", "invoice"},
                    {"customer", "cus_1"},
                    {"subscription", "sub_1"},
                    {"subscription_details", {{"metadata", {{"user_id", "u"}, {"plan_id", "premium"}}}}}}}}}};
    return *parse_stripe_event(doc, kNow);
  };
  BillingState never_paid;  // free, and the first invoice of a new subscription fails
  EXPECT_EQ(apply_event(never_paid, failed(100), "stripe", 3, 100), Outcome::applied);
  EXPECT_EQ(never_paid.payment_status, "pending");
  EXPECT_FALSE(never_paid.grace_until.has_value());
  BillingState first_updated;  // the same told by the subscription's own event
  EXPECT_EQ(apply_event(first_updated, subscription_event(100, "past_due", 1000), "stripe", 3, 100), Outcome::applied);
  EXPECT_EQ(first_updated.payment_status, "pending");

  BillingState paid;
  ASSERT_EQ(apply_event(paid, subscription_event(100, "active", 1000), "stripe", 3, 100), Outcome::applied);
  EXPECT_EQ(apply_event(paid, failed(200), "stripe", 3, 200), Outcome::applied);
  EXPECT_EQ(paid.payment_status, "past_due");
  EXPECT_EQ(paid.grace_until, 200 + 3 * 86400);
  // The grace ran out (the worker's expiry); the provider's next retry fails too: no new grace.
  paid.payment_status = "expired";
  paid.grace_until.reset();
  EXPECT_EQ(apply_event(paid, failed(300 + 3 * 86400), "stripe", 3, 300 + 3 * 86400), Outcome::applied);
  EXPECT_EQ(paid.payment_status, "expired");
  EXPECT_FALSE(paid.grace_until.has_value());
  // Paid at last: in force again.
  EXPECT_EQ(apply_event(paid, subscription_event(400 + 3 * 86400, "active", 9000000), "stripe", 3, 400 + 3 * 86400),
            Outcome::applied);
  EXPECT_EQ(paid.payment_status, "active");
}

// Stripe stamps events in whole seconds and sends an action's events within one: the subscription's
// "created" (incomplete) redelivered after its invoice was paid, in the same second, must not take
// the plan back to pending (it would wait for next month's renewal event). A later second still does.
TEST(SubscriptionLifecycle, AnIncompleteOfThePaidSecondDoesNotTakeThePlanBack) {
  BillingState s;
  ASSERT_EQ(apply_event(s, subscription_event(100, "active", 1000), "stripe", 3, 100), Outcome::applied);
  EXPECT_EQ(apply_event(s, subscription_event(100, "incomplete", 1000), "stripe", 3, 100), Outcome::stale);
  EXPECT_EQ(s.payment_status, "active");
  EXPECT_EQ(apply_event(s, subscription_event(100, "past_due", 1000), "stripe", 3, 100), Outcome::applied)
      << "the same second's other news still applies";
  EXPECT_EQ(s.payment_status, "past_due");
  EXPECT_EQ(apply_event(s, subscription_event(101, "active", 1000), "stripe", 3, 101), Outcome::applied);
  EXPECT_EQ(apply_event(s, subscription_event(102, "incomplete", 1000), "stripe", 3, 102), Outcome::applied);
  EXPECT_EQ(s.payment_status, "pending") << "a later second's incomplete is news";
}

// The provider never revives a subscription it ended (deleted, canceled, incomplete_expired): a later
// event about it, even of the deletion's own second, changes nothing; a new subscription still does.
TEST(SubscriptionLifecycle, ASubscriptionTheProviderEndedStaysEnded) {
  for (const char* end : {"deleted", "canceled", "incomplete_expired"}) {
    BillingState s;
    ASSERT_EQ(apply_event(s, subscription_event(100, "active", 1000), "stripe", 3, 100), Outcome::applied);
    auto ending = subscription_event(200, std::string(end) == "deleted" ? "canceled" : end, 1000);
    if (std::string(end) == "deleted") ending.kind = EventKind::subscription_deleted;
    ASSERT_EQ(apply_event(s, ending, "stripe", 3, 200), Outcome::applied) << end;
    const std::string ended_status = s.payment_status;
    EXPECT_EQ(apply_event(s, subscription_event(200, "active", 9000), "stripe", 3, 200), Outcome::ignored) << end;
    EXPECT_EQ(apply_event(s, subscription_event(300, "active", 9000), "stripe", 3, 300), Outcome::ignored) << end;
    EXPECT_EQ(s.payment_status, ended_status) << end;
    // The late end of another, older one neither takes the row over nor makes the first one's
    // stragglers count again.
    auto older_ended = subscription_event(350, "canceled", 9000);
    older_ended.kind = EventKind::subscription_deleted;
    older_ended.subscription_id = "sub_older";
    EXPECT_EQ(apply_event(s, older_ended, "stripe", 3, 350), Outcome::ignored) << end;
    EXPECT_EQ(s.subscription_id, "sub_1") << end;
    EXPECT_EQ(apply_event(s, subscription_event(360, "active", 9000), "stripe", 3, 360), Outcome::ignored) << end;
    auto next = subscription_event(400, "active", 9000);
    next.subscription_id = "sub_2";
    EXPECT_EQ(apply_event(s, next, "stripe", 3, 400), Outcome::applied) << end;
    EXPECT_EQ(s.payment_status, "active") << end;
  }
}

TEST(SubscriptionLifecycle, AnEventAboutAnotherSubscriptionIsIgnored) {
  BillingState s;
  ASSERT_EQ(apply_event(s, subscription_event(100, "active", 1000), "stripe", 3, 100), Outcome::applied);
  auto other = subscription_event(200, "canceled", 1000);
  other.subscription_id = "sub_old";
  EXPECT_EQ(apply_event(s, other, "stripe", 3, 200), Outcome::ignored);
  EXPECT_EQ(s.payment_status, "active");
}

// A checkout paid by a delayed method completes "unpaid": the plan must wait for the money, or a
// bank debit that later bounces would have bought premium for nothing.
TEST(SubscriptionLifecycle, ACheckoutCompletedUnpaidWaitsForTheMoney) {
  auto checkout = [](const std::string& type, std::int64_t created, const std::string& payment_status) {
    Json doc = {{"id", "evt_" + std::to_string(created)},
                {"type", type},
                {"created", created},
                {"data",
                 {{"object",
                   {{"object", "checkout.session"},
                    {"mode", "subscription"},
                    {"payment_status", payment_status},
                    {"client_reference_id", "00000000-0000-4000-8000-000000000001"},
                    {"customer", "cus_1"},
                    {"subscription", "sub_1"},
                    {"metadata", {{"plan_id", "premium"}, {"interval", "month"}}}}}}}};
    return *parse_stripe_event(doc, kNow);
  };
  BillingState s;
  s.plan_type = "free";
  s.payment_status = "not_required";
  EXPECT_EQ(apply_event(s, checkout("checkout.session.completed", 100, "unpaid"), "stripe", 3, 100), Outcome::applied);
  EXPECT_EQ(s.payment_status, "not_required") << "nothing is in force before the money";
  EXPECT_EQ(s.plan_type, "free");
  EXPECT_EQ(s.subscription_id, "sub_1") << "but the subscription is linked for its later events";
  EXPECT_EQ(apply_event(s, checkout("checkout.session.async_payment_succeeded", 200, "paid"), "stripe", 3, 200),
            Outcome::applied);
  EXPECT_EQ(s.payment_status, "active");
  EXPECT_EQ(s.plan_type, "premium");
  // An unpaid checkout while another subscription is in force moves nothing: the one in force
  // keeps its events (renewal, cancellation).
  BillingState paying;
  paying.subscription_id = "sub_old";
  paying.payment_status = "active";
  paying.plan_type = "premium";
  EXPECT_EQ(apply_event(paying, checkout("checkout.session.completed", 100, "unpaid"), "stripe", 3, 100),
            Outcome::ignored);
  EXPECT_EQ(paying.subscription_id, "sub_old");
  // Paid at once (a card): in force at once, as before.
  BillingState card;
  EXPECT_EQ(apply_event(card, checkout("checkout.session.completed", 100, "paid"), "stripe", 3, 100), Outcome::applied);
  EXPECT_EQ(card.payment_status, "active");
}

TEST(SubscriptionLifecycle, NotAnEventIsAProblem) {
  EXPECT_FALSE(parse_stripe_event(Json::object(), kNow).has_value());
  EXPECT_FALSE(parse_stripe_event(Json{{"id", "evt"}, {"type", "x"}, {"created", 1}}, kNow).has_value());
  auto other = parse_stripe_event(
      Json{{"id", "evt"}, {"type", "charge.refunded"}, {"created", 1}, {"data", {{"object", Json::object()}}}}, kNow);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->kind, EventKind::other);
}

// The sandbox gives premium to whoever presses its "Pay": a production server (a public https
// address, no demo data) that forgot PM_PAYMENTS_PROVIDER gets none, and one that names the sandbox
// is refused. A demo stack (./pm run) keeps it.
TEST(PaymentsConfig, TheSandboxIsNeverAPublicServersDefault) {
  // (the process's own values of the three, put back at the end)
  struct Kept {
    std::string name;
    std::optional<std::string> value;
    ~Kept() { value ? (void)::setenv(name.c_str(), value->c_str(), 1) : (void)::unsetenv(name.c_str()); }
  };
  auto keep = [](const char* name) {
    const char* v = std::getenv(name);
    return Kept{name, v ? std::optional<std::string>(v) : std::nullopt};
  };
  Kept kept[] = {keep("PM_PAYMENTS_PROVIDER"), keep("PM_STRIPE_API_BASE"), keep("PM_DEMO_DATA")};
  ::unsetenv("PM_PAYMENTS_PROVIDER");
  ::unsetenv("PM_STRIPE_API_BASE");
  ::setenv("PM_DEMO_DATA", "false", 1);
  auto production = PaymentsConfig::from_env("https://perfectmatch.example", 8080);
  ASSERT_TRUE(production) << production.error().detail;
  EXPECT_EQ(production->provider, "none");
  ::setenv("PM_PAYMENTS_PROVIDER", "sandbox", 1);
  auto refused = PaymentsConfig::from_env("https://perfectmatch.example", 8080);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("free"), std::string::npos) << refused.error().detail;
  EXPECT_TRUE(PaymentsConfig::from_env("http://localhost:8080", 8080)) << "a local server may play";
  ::setenv("PM_DEMO_DATA", "true", 1);
  EXPECT_TRUE(PaymentsConfig::from_env("https://demo.perfectmatch.example", 8080)) << "a demo stack may";
  ::unsetenv("PM_PAYMENTS_PROVIDER");
  auto demo = PaymentsConfig::from_env("http://localhost:8080", 8080);
  ASSERT_TRUE(demo);
  EXPECT_EQ(demo->provider, "sandbox");
}
