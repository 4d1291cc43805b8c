// Payments over real HTTP on the real stores, with the payment sandbox (the Stripe stand-in)
// running in the test on its own port: Stripe-Signature checks (bad, expired, replayed,
// unsigned), each event applied once, out-of-order events, checkout through the sandbox's page to
// premium, cancel at period end, a failed payment's grace period and its expiry by the worker,
// and who may call the new routes.

#include <chrono>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "auth/restrictions.hpp"
#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "db/transaction.hpp"
#include "staff/model.hpp"
#include "subscriptions/payments.hpp"
#include "subscriptions/provider_cancellation.hpp"
#include "subscriptions/sandbox.hpp"
#include "subscriptions/signature.hpp"
#include "support/notification_api.hpp"
#include "support/processes.hpp"

using namespace pm;
using namespace std::chrono_literals;
using Json = nlohmann::json;
using test::TestUser;

namespace {

constexpr const char* kKey = "sk_test_payments_test";
constexpr const char* kSecret = "whsec_payments_test";

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class Payments : public test::NotificationApi {
 protected:
  void SetUp() override {
    sandbox_ = std::make_unique<subscriptions::Sandbox>(
        subscriptions::SandboxOptions{.port = 0, .webhook_secret = kSecret, .secret_key = kKey, .first_retry = 50ms});
    sandbox_->start();
    // The app reads its payment settings from the environment when it is built.
    ::setenv("PM_PAYMENTS_PROVIDER", "sandbox", 1);
    ::setenv("PM_STRIPE_API_BASE", sandbox_->base_url().c_str(), 1);
    ::setenv("PM_STRIPE_SECRET_KEY", kKey, 1);
    ::setenv("PM_STRIPE_WEBHOOK_SECRET", kSecret, 1);
    ::setenv("PM_PAYMENTS_GRACE_DAYS", "3", 1);
    server_ = std::make_unique<test::TestServer>(test::test_config(db_));
    sandbox_->set_webhook_url(fmt::format("http://127.0.0.1:{}/api/v1/webhooks/payments", server_->port()));
  }
  void TearDown() override {
    sandbox_->stop();
    NotificationApi::TearDown();
  }

  // A call to the sandbox (the provider, not our API: outside the API contract's recordings).
  test::HttpResult to_sandbox(const std::string& method, const std::string& path, const std::string& form = "") {
    http_client::Request req{.method = method,
                             .url = sandbox_->base_url() + path,
                             .headers = {"Content-Type: application/x-www-form-urlencoded"},
                             .body = form};
    auto res = http_client::send(req, {});
    EXPECT_TRUE(res.has_value()) << path;
    if (!res) return {};
    return {.status = static_cast<int>(res->status), .body = res->body};
  }
  test::HttpResult post_json(const TestUser& u, const std::string& path, const Json& body) {
    auto headers = u.auth();
    headers.emplace_back("Content-Type", "application/json");
    return server_->request("POST", path, body.dump(), headers);
  }
  Json subscription(const TestUser& u) {
    auto res = get(u, "/api/v1/subscription");
    EXPECT_EQ(res.status, 200) << res.body;
    return res.json();
  }
  // POST /subscription/checkout: the path of its page on the sandbox ("" and a failure if refused).
  std::string open_checkout(const TestUser& u) {
    auto started = post_json(u, "/api/v1/subscription/checkout",
                             {{"plan_id", "premium"}, {"interval", "month"}, {"currency", "EUR"}});
    EXPECT_EQ(started.status, 200) << started.body;
    if (started.status != 200) return "";
    const std::string url = started.json()["url"];
    const std::string base = sandbox_->base_url();
    EXPECT_TRUE(url.starts_with(base + "/checkout/cs_test_")) << url;
    return url.substr(base.size());
  }
  // The checkout opened, then the person's click on the sandbox's page.
  std::string checkout(const TestUser& u, const std::string& outcome = "succeed", int expect_status = 303) {
    const std::string path = open_checkout(u);
    if (path.empty()) return "";
    auto page = to_sandbox("GET", path);
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("value=\"succeed\""), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("value=\"decline\""), std::string::npos);
    EXPECT_NE(page.body.find("value=\"3ds_fail\""), std::string::npos);
    auto paid = to_sandbox("POST", path + "/pay", "outcome=" + outcome);
    EXPECT_EQ(paid.status, expect_status) << paid.body;
    EXPECT_TRUE(sandbox_->wait_idle(15s));
    return path;
  }
  std::string provider_subscription(const TestUser& u, const char* column = "provider_subscription_id") {
    auto conn = db_.connect();
    pqxx::nontransaction q(conn);
    auto r = q.exec_params(fmt::format("SELECT {} FROM subscription_details WHERE user_id = $1", column), u.user_id);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
  }
  std::string provider_customer(const TestUser& u) { return provider_subscription(u, "provider_customer_id"); }
  void sandbox_action(const std::string& sub, const std::string& action) {
    auto res = to_sandbox("POST", "/sandbox/subscriptions/" + sub + "/" + action);
    ASSERT_EQ(res.status, 200) << res.body;
    ASSERT_TRUE(sandbox_->wait_idle(15s));
  }
  // A webhook delivery signed at `t` with `secret`.
  test::HttpResult deliver(const std::string& body, std::optional<std::string> signature) {
    test::Headers headers{{"Content-Type", "application/json"}};
    if (signature) headers.emplace_back("Stripe-Signature", *signature);
    return server_->request("POST", "/api/v1/webhooks/payments", body, headers);
  }
  test::HttpResult deliver_signed(const Json& event) {
    const std::string body = event.dump();
    return deliver(body, subscriptions::sign_payload(kSecret, now_s(), body));
  }
  static Json subscription_event(const std::string& id, const std::string& type, std::int64_t created,
                                 const TestUser& u, const std::string& status, std::int64_t period_end,
                                 bool cancel = false) {
    return {{"id", id},
            {"object", "event"},
            {"type", type},
            {"created", created},
            {"data",
             {{"object",
               {{"id", "sub_test_" + u.user_id.substr(0, 8)},
                {"object", "subscription"},
                {"customer", "cus_test_" + u.user_id.substr(0, 8)},
                {"status", status},
                {"current_period_end", period_end},
                {"cancel_at_period_end", cancel},
                {"metadata", {{"user_id", u.user_id}, {"plan_id", "premium"}, {"interval", "month"}}}}}}}};
  }
  static Json invoice_event(const std::string& id, const std::string& type, std::int64_t created, const TestUser& u,
                            std::int64_t period_end) {
    return {{"id", id},
            {"object", "event"},
            {"type", type},
            {"created", created},
            {"data",
             {{"object",
               {{"id", "in_" + id},
                {"object", "invoice"},
                {"customer", "cus_test_" + u.user_id.substr(0, 8)},
                {"subscription", "sub_test_" + u.user_id.substr(0, 8)},
                {"lines", {{"data", Json::array({{{"period", {{"start", created}, {"end", period_end}}}}})}}},
                {"subscription_details", {{"metadata", {{"user_id", u.user_id}, {"plan_id", "premium"}}}}}}}}}};
  }
  int changes_of(const TestUser& u) {
    return count("SELECT count(*) FROM audit_log WHERE event = 'subscription_changed' AND subject_id = $1::uuid",
                 u.user_id);
  }
  int notifications_of(const TestUser& u) {
    return count("SELECT count(*) FROM notifications WHERE type = 'subscription.changed' AND user_id = $1::uuid",
                 u.user_id);
  }
  // The worker's step that cancels the queued provider subscriptions, with this provider.
  int cancel_queued(subscriptions::PaymentProvider& provider) {
    auto n = subscriptions::cancel_queued_provider_subscriptions(server_->app().db, &provider, 10);
    EXPECT_TRUE(n.has_value());
    return n.value_or(-1);
  }
  int expire() {
    auto& app = server_->app();
    auto n = subscriptions::expire_lapsed(app.db, app.notifications, 3);
    EXPECT_TRUE(n.has_value());
    return n.value_or(-1);
  }

  std::unique_ptr<subscriptions::Sandbox> sandbox_;
};

}  // namespace

TEST_F(Payments, CheckoutThroughTheSandboxMakesThePlanPremiumOnlyWhenPaid) {
  TestUser ana = user("Ana");
  EXPECT_EQ(subscription(ana)["entitlements"]["full_insights"], false);

  // A declined card and a failed 3-D Secure check change nothing.
  checkout(ana, "decline", 402);
  checkout(ana, "3ds_fail", 402);
  EXPECT_EQ(subscription(ana)["plan_id"], "free");
  EXPECT_EQ(changes_of(ana), 0);

  checkout(ana, "succeed", 303);
  auto s = subscription(ana);
  EXPECT_EQ(s["plan_id"], "premium");
  EXPECT_EQ(s["status"], "active");
  EXPECT_EQ(s["in_force"], true);
  EXPECT_EQ(s["payment_method"], "card");
  EXPECT_EQ(s["entitlements"]["full_insights"], true);
  EXPECT_EQ(s["entitlements"]["rewind"], true);
  EXPECT_TRUE(s["period_end"].is_string());
  EXPECT_EQ(changes_of(ana), 1) << "free -> premium is one change";
  EXPECT_EQ(notifications_of(ana), 1);
  EXPECT_EQ(
      count("SELECT count(*) FROM audit_log WHERE event = 'subscription_checkout' AND user_id = $1::uuid", ana.user_id),
      3);
  // Only the provider's ids and the card's brand and last four digits are stored.
  EXPECT_EQ(count("SELECT count(*) FROM subscription_details WHERE user_id = $1::uuid AND card_last4 = '4242' "
                  "AND card_brand = 'visa' AND provider_customer_id LIKE 'cus_%' AND provider = 'sandbox'",
                  ana.user_id),
            1);
  auto listed = list(ana);
  ASSERT_FALSE(listed["notifications"].empty());
  EXPECT_EQ(listed["notifications"][0]["type"], "subscription.changed");
  EXPECT_EQ(listed["notifications"][0]["content"]["plan_type"], "premium");
  // The billing history is in her data export (it was not); nobody else's is.
  TestUser ben = user("Ben");
  checkout(ben);
  const Json history = get(ana, "/api/v1/me/export").json()["payment_events"];
  ASSERT_FALSE(history.empty());
  for (const auto& event : history) EXPECT_EQ(event["user_id"], ana.user_id) << event.dump();
  bool paid = false;
  for (const auto& event : history) paid = paid || event["outcome"] == "applied";
  EXPECT_TRUE(paid) << history.dump();

  // A paid plan in force cannot be bought twice.
  auto again = post_json(ana, "/api/v1/subscription/checkout",
                         {{"plan_id", "premium"}, {"interval", "year"}, {"currency", "EUR"}});
  EXPECT_EQ(again.status, 400) << again.body;
}

TEST_F(Payments, SignaturesAreVerifiedBadExpiredUnsignedAndReplayedChangeNothing) {
  TestUser ana = user("Ana");
  const auto t = now_s();
  Json event = subscription_event("evt_sig_1", "customer.subscription.updated", t, ana, "active", t + 30 * 86400);
  const std::string body = event.dump();

  auto unsigned_ = deliver(body, std::nullopt);
  EXPECT_EQ(unsigned_.status, 401) << unsigned_.body;
  EXPECT_EQ(unsigned_.header("content-type"), "application/problem+json");
  EXPECT_EQ(deliver(body, subscriptions::sign_payload("whsec_wrong", t, body)).status, 401);
  EXPECT_EQ(deliver(body, "t=" + std::to_string(t) + ",v1=" + std::string(64, '0')).status, 401);
  EXPECT_EQ(deliver(body, "garbage").status, 401);
  // Signed for another body.
  EXPECT_EQ(deliver(body, subscriptions::sign_payload(kSecret, t, body + " ")).status, 401);
  // Outside the tolerance window (300 s), either way. The server reads its own clock a moment after `t`, so a
  // timestamp one second outside could fall back inside; the exact edge is the unit test's (stripe_webhook_test).
  EXPECT_EQ(deliver(body, subscriptions::sign_payload(kSecret, t - 330, body)).status, 401);
  EXPECT_EQ(deliver(body, subscriptions::sign_payload(kSecret, t + 330, body)).status, 401);
  EXPECT_EQ(subscription(ana)["plan_id"], "free");
  EXPECT_EQ(count("SELECT count(*) FROM payment_events"), 0);

  // Several v1 signatures (a secret being rolled): one that matches is enough.
  const std::string good = subscriptions::sign_payload(kSecret, t, body);
  const std::string rolled =
      "t=" + std::to_string(t) + ",v1=" + std::string(64, 'a') + "," + good.substr(good.find("v1="));
  auto first = deliver(body, rolled);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json()["outcome"], "applied");
  EXPECT_EQ(subscription(ana)["plan_id"], "premium");

  // The same delivery replayed: accepted (the provider must stop retrying), nothing changes.
  auto replay = deliver(body, good);
  ASSERT_EQ(replay.status, 200) << replay.body;
  EXPECT_EQ(replay.json()["duplicate"], true);
  EXPECT_EQ(count("SELECT count(*) FROM payment_events"), 1);
  EXPECT_EQ(changes_of(ana), 1);

  // Signed, but not an event, or not JSON: 4xx problems.
  const std::string not_event = R"({"hello": "world"})";
  auto bad = deliver(not_event, subscriptions::sign_payload(kSecret, t, not_event));
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.json()["type"], "/problems/validation-failed");
  const std::string not_json = "{nope";
  EXPECT_EQ(deliver(not_json, subscriptions::sign_payload(kSecret, t, not_json)).status, 400);
  // An event from the future (past any clock's skew; far enough, past what PostgreSQL can store: it
  // was a 500) would make every real event after it stale.
  auto refused_field = [&](const Json& e) {
    const std::string b = e.dump();
    auto r = deliver(b, subscriptions::sign_payload(kSecret, t, b));
    EXPECT_EQ(r.status, 400) << b << " " << r.body;
    return r.status == 400 ? r.json()["errors"][0]["field"].get<std::string>() : std::string();
  };
  for (std::int64_t created : {t + 2 * 3600, std::int64_t{10'000'000'000'000}, INT64_MAX})
    EXPECT_EQ(refused_field(subscription_event("evt_sig_future", "customer.subscription.updated", created, ana,
                                               "canceled", t + 86400)),
              "created");
  // An id with a NUL in it was stored cut at the NUL: "evt\0a" and "evt\0b" were one event, the
  // second dropped as a duplicate.
  EXPECT_EQ(refused_field(subscription_event(std::string("evt_sig\0a", 10), "customer.subscription.updated", t, ana,
                                             "canceled", t + 86400)),
            "id");
  EXPECT_EQ(subscription(ana)["status"], "active");
  EXPECT_EQ(count("SELECT count(*) FROM payment_events"), 1);
}

TEST_F(Payments, TheSameEventTwiceGivesOneChange) {
  TestUser ana = user("Ana");
  sandbox_->set_duplicates(true);  // the sandbox sends every event twice
  checkout(ana);
  EXPECT_EQ(subscription(ana)["plan_id"], "premium");
  EXPECT_EQ(count("SELECT count(*) FROM payment_events"), 3);
  EXPECT_EQ(sandbox_->delivered(), 6);
  EXPECT_EQ(changes_of(ana), 1);
  EXPECT_EQ(notifications_of(ana), 1);

  // A crafted event delivered twice by hand: the second changes nothing.
  const auto t = now_s() + 100;
  auto e = subscription_event("evt_twice", "customer.subscription.updated", t, ana, "past_due", t + 86400);
  e["data"]["object"]["id"] = provider_subscription(ana);
  ASSERT_EQ(deliver_signed(e).json()["outcome"], "applied");
  ASSERT_EQ(deliver_signed(e).json()["duplicate"], true);
  EXPECT_EQ(changes_of(ana), 2);
  EXPECT_EQ(subscription(ana)["status"], "past_due");
}

TEST_F(Payments, OutOfOrderEventsEndInTheNewestState) {
  TestUser ana = user("Ana");
  const auto t = now_s();
  // Newest first: active (t+20), then a payment failure from before it (t+10): stays active.
  ASSERT_EQ(deliver_signed(
                subscription_event("evt_o1", "customer.subscription.updated", t + 20, ana, "active", t + 30 * 86400))
                .json()["outcome"],
            "applied");
  auto stale = deliver_signed(invoice_event("evt_o2", "invoice.payment_failed", t + 10, ana, t + 30 * 86400));
  ASSERT_EQ(stale.status, 200) << stale.body;
  EXPECT_EQ(stale.json()["outcome"], "stale");
  EXPECT_EQ(subscription(ana)["status"], "active");

  // Deleted (t+40) arrives before an update made earlier (t+30): canceled stays.
  ASSERT_EQ(
      deliver_signed(subscription_event("evt_o3", "customer.subscription.deleted", t + 40, ana, "canceled", t + 86400))
          .json()["outcome"],
      "applied");
  EXPECT_EQ(deliver_signed(
                subscription_event("evt_o4", "customer.subscription.updated", t + 30, ana, "active", t + 60 * 86400))
                .json()["outcome"],
            "stale");
  // A deletion is final at the provider: an update of the deletion's own second delivered after it
  // (the order of one second cannot tell), or the cancellation's final invoice paid later, is about
  // a subscription that no longer exists and must not put it back in force.
  EXPECT_EQ(deliver_signed(
                subscription_event("evt_o5", "customer.subscription.updated", t + 40, ana, "active", t + 60 * 86400))
                .json()["outcome"],
            "ignored");
  EXPECT_EQ(deliver_signed(invoice_event("evt_o6", "invoice.paid", t + 50, ana, t + 60 * 86400)).json()["outcome"],
            "ignored");
  auto s = subscription(ana);
  EXPECT_EQ(s["status"], "canceled");
  EXPECT_EQ(s["in_force"], false);
  EXPECT_EQ(s["entitlements"]["full_insights"], false);

  // The sandbox delivering each batch newest first ends where in-order delivery does.
  TestUser ben = user("Ben");
  sandbox_->set_reorder(true);
  checkout(ben);
  auto b = subscription(ben);
  EXPECT_EQ(b["plan_id"], "premium");
  EXPECT_EQ(b["status"], "active");
  EXPECT_EQ(b["in_force"], true);
  EXPECT_EQ(count("SELECT count(*) FROM payment_events WHERE outcome = 'stale'"), 2 + 2)
      << "the two older events of Ben's checkout arrived after the newest";
}

TEST_F(Payments, AFailedPaymentKeepsThePlanForTheGracePeriodThenTheWorkerExpiresIt) {
  TestUser ana = user("Ana");
  checkout(ana);
  const std::string sub = provider_subscription(ana);
  ASSERT_FALSE(sub.empty());
  sandbox_action(sub, "fail");
  auto s = subscription(ana);
  EXPECT_EQ(s["status"], "past_due");
  EXPECT_EQ(s["in_force"], true) << "grace period";
  EXPECT_EQ(s["entitlements"]["full_insights"], true);
  EXPECT_EQ(count("SELECT count(*) FROM subscription_details WHERE user_id = $1::uuid "
                  "AND grace_until BETWEEN now() + interval '3 days' - interval '1 minute' "
                  "AND now() + interval '3 days' + interval '1 minute'",
                  ana.user_id),
            1);
  EXPECT_EQ(expire(), 0) << "nothing lapsed yet";

  // Three days later (the grace period moved into the past): no longer in force, and the worker
  // records the expiry.
  exec("UPDATE subscription_details SET grace_until = now() - interval '1 minute' WHERE user_id = '" + ana.user_id +
       "'");
  EXPECT_EQ(subscription(ana)["in_force"], false);
  const int changes = changes_of(ana), notes = notifications_of(ana);
  // The worker process (perfectmatch worker --once) does it.
  auto run = test::run_command(test::process_env(server_->app().config) + "timeout 60 " + test::binary_path() +
                               " worker --once");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(expire(), 0) << "once";
  s = subscription(ana);
  EXPECT_EQ(s["status"], "expired");
  EXPECT_EQ(s["entitlements"]["full_insights"], false);
  EXPECT_EQ(changes_of(ana), changes + 1);
  EXPECT_EQ(notifications_of(ana), notes + 1);
}

// The provider charges a renewal about an hour after the period's end, and its events may take
// longer (its webhooks are retried for days). In that window the plan was no longer in force: the
// premium features locked every month, and the app offered a checkout that charged a second
// subscription beside the renewing one.
TEST_F(Payments, APlanAwaitingItsRenewalStaysInForceUntilTheGraceDaysPass) {
  TestUser ana = user("Ana");
  checkout(ana);
  const std::string sub = provider_subscription(ana);
  exec("UPDATE subscription_details SET end_date = now() - interval '1 hour' WHERE user_id = '" + ana.user_id + "'");
  auto s = subscription(ana);
  EXPECT_EQ(s["status"], "active");
  EXPECT_EQ(s["in_force"], true) << "the renewal's events are on their way";
  EXPECT_EQ(s["entitlements"]["full_insights"], true);
  auto twice = post_json(ana, "/api/v1/subscription/checkout",
                         {{"plan_id", "premium"}, {"interval", "month"}, {"currency", "EUR"}});
  EXPECT_EQ(twice.status, 400) << "a second subscription beside the renewing one: " << twice.body;
  EXPECT_EQ(expire(), 0) << "within the grace days";
  sandbox_action(sub, "renew");
  EXPECT_EQ(
      count("SELECT count(*) FROM subscription_details WHERE user_id = $1::uuid AND end_date > now()", ana.user_id), 1)
      << "the renewal gave the next period";

  // No renewal came within the grace days (3 here): lapsed.
  exec("UPDATE subscription_details SET end_date = now() - interval '3 days 1 minute' WHERE user_id = '" + ana.user_id +
       "'");
  EXPECT_EQ(expire(), 1);
  s = subscription(ana);
  EXPECT_EQ(s["status"], "expired");
  EXPECT_EQ(s["in_force"], false);
  // A plan staff gave (no provider to renew it) ends with its period, as one cancelled does
  // (TheWorkerEndsACancelledPlanWhoseEndingEventNeverCame).
  TestUser ben = user("Ben");
  exec(
      "UPDATE subscription_details SET plan_type = 'premium', payment_status = 'active', payment_method = 'comp', "
      "end_date = now() - interval '1 minute' WHERE user_id = '" +
      ben.user_id + "'");
  EXPECT_EQ(subscription(ben)["in_force"], false);
}

TEST_F(Payments, APaymentWithinTheGracePeriodRestoresTheSubscription) {
  TestUser ana = user("Ana");
  checkout(ana);
  const std::string sub = provider_subscription(ana);
  sandbox_action(sub, "fail");
  EXPECT_EQ(subscription(ana)["status"], "past_due");
  sandbox_action(sub, "renew");
  auto s = subscription(ana);
  EXPECT_EQ(s["status"], "active");
  EXPECT_EQ(
      count("SELECT count(*) FROM subscription_details WHERE user_id = $1::uuid AND grace_until IS NULL", ana.user_id),
      1);
}

TEST_F(Payments, CancelEndsTheSubscriptionAtTheEndOfThePeriod) {
  TestUser ana = user("Ana");
  checkout(ana);
  EXPECT_EQ(subscription(ana)["can_cancel"], true);
  auto cancel = post(ana, "/api/v1/subscription/cancel");
  ASSERT_EQ(cancel.status, 202) << cancel.body;
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  auto s = subscription(ana);
  EXPECT_EQ(s["cancel_at_period_end"], true);
  EXPECT_EQ(s["can_cancel"], false) << "nothing more to stop: the app offers no second cancel";
  EXPECT_EQ(s["status"], "active");
  EXPECT_EQ(s["in_force"], true) << "paid to the end of the period";
  // A new subscription now would be charged in full while this one runs, paid, to its end.
  auto twice = post_json(ana, "/api/v1/subscription/checkout",
                         {{"plan_id", "premium"}, {"interval", "month"}, {"currency", "EUR"}});
  EXPECT_EQ(twice.status, 400) << twice.body;
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE event = 'subscription_cancel_requested' "
                  "AND user_id = $1::uuid",
                  ana.user_id),
            1);
  EXPECT_EQ(post(ana, "/api/v1/subscription/cancel").status, 202) << "asking twice is fine";

  // The period ends: the provider deletes the subscription.
  sandbox_action(provider_subscription(ana), "renew");
  s = subscription(ana);
  EXPECT_EQ(s["status"], "canceled");
  EXPECT_EQ(s["in_force"], false);
  EXPECT_EQ(s["entitlements"]["rewind"], false);
  EXPECT_EQ(post(ana, "/api/v1/subscription/cancel").status, 404) << "nothing left to cancel";
}

// A plan that lapsed here (its grace over) is still live at the provider while it retries the
// card: cancelling it answered 404, and a later successful retry charged someone who had asked to
// stop. It is now ended at the provider at once.
TEST_F(Payments, ALapsedPlanCanBeCancelledSoNoLaterRetryIsCharged) {
  TestUser ana = user("Ana");
  checkout(ana);
  const std::string sub = provider_subscription(ana);
  sandbox_action(sub, "fail");
  exec("UPDATE subscription_details SET grace_until = now() - interval '1 minute' WHERE user_id = '" + ana.user_id +
       "'");
  EXPECT_EQ(expire(), 1);
  ASSERT_EQ(subscription(ana)["status"], "expired");
  EXPECT_EQ(subscription(ana)["can_cancel"], true) << "the app offers the cancel of a plan the provider may charge";
  auto cancelled = post(ana, "/api/v1/subscription/cancel");
  EXPECT_EQ(cancelled.status, 202) << cancelled.body;
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  EXPECT_EQ(to_sandbox("POST", "/sandbox/subscriptions/" + sub + "/renew").status, 400) << "a later retry charged";
  EXPECT_EQ(subscription(ana)["status"], "canceled");
  EXPECT_EQ(subscription(ana)["can_cancel"], false);
  EXPECT_EQ(post(ana, "/api/v1/subscription/cancel").status, 404) << "nothing left to cancel";
}

TEST_F(Payments, TheWorkerEndsACancelledPlanWhoseEndingEventNeverCame) {
  TestUser ana = user("Ana");
  checkout(ana);
  ASSERT_EQ(post(ana, "/api/v1/subscription/cancel").status, 202);
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  exec("UPDATE subscription_details SET end_date = now() - interval '1 minute' WHERE user_id = '" + ana.user_id + "'");
  EXPECT_EQ(expire(), 1);
  auto s = subscription(ana);
  EXPECT_EQ(s["status"], "canceled");
  EXPECT_EQ(s["cancel_at_period_end"], false);
}

// Deleting the account cancels its paid subscription at the provider (the worker's job): before,
// the provider went on charging someone who could no longer sign in to cancel. The customer record
// there (what the person typed on its checkout page) is deleted too. A provider that cannot be
// reached leaves the job waiting, not spent.
TEST_F(Payments, DeletingTheAccountCancelsItsPaidSubscriptionAtTheProvider) {
  TestUser ana = user("Ana");
  TestUser ben = user("Ben");  // paid too, and keeps his account: his subscription stays
  checkout(ana);
  checkout(ben);
  const std::string anas = provider_subscription(ana), bens = provider_subscription(ben);
  const std::string ana_customer = provider_customer(ana);
  ASSERT_FALSE(anas.empty());
  ASSERT_FALSE(ana_customer.empty());
  ASSERT_EQ(server_->request("DELETE", "/api/v1/me", "", ana.auth()).status, 204);

  subscriptions::StripeProvider unreachable("sandbox", "http://127.0.0.1:9", kKey);
  EXPECT_EQ(cancel_queued(unreachable), 1);
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'cancel_provider_subscription' AND status = 'pending' "
                  "AND attempts = 0 AND run_after > now()"),
            1)
      << "waits for the provider, its attempts not spent";

  // Five workers stopped while running it (their leases passed): a job of another kind would be
  // given up now; a lost cancellation is a charge, so this one is taken again.
  exec(
      "UPDATE jobs SET status = 'running', attempts = 5, run_after = now() - interval '1 second' "
      "WHERE kind = 'cancel_provider_subscription'");
  subscriptions::StripeProvider provider("sandbox", sandbox_->base_url(), kKey);
  EXPECT_EQ(cancel_queued(provider), 1);
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  EXPECT_EQ(to_sandbox("POST", "/sandbox/subscriptions/" + anas + "/renew").status, 400)
      << "Ana's subscription is canceled: no renewal is charged";
  EXPECT_TRUE(sandbox_->customer_deleted(ana_customer));
  sandbox_action(bens, "renew");
  EXPECT_EQ(subscription(ben)["status"], "active") << "Ben's is his own";
  EXPECT_FALSE(sandbox_->customer_deleted(provider_customer(ben)));
  EXPECT_EQ(cancel_queued(provider), 0) << "done once";

  // A subscription that already ended: only the customer record is left to delete.
  TestUser cleo = user("Cleo");
  checkout(cleo);
  const std::string cleos = provider_subscription(cleo), cleo_customer = provider_customer(cleo);
  sandbox_action(cleos, "delete");
  ASSERT_EQ(server_->request("DELETE", "/api/v1/me", "", cleo.auth()).status, 204);
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'cancel_provider_subscription' AND status = 'pending' "
                  "AND payload->>'subscription_id' IS NULL AND payload->>'customer_id' = $1",
                  cleo_customer),
            1);
  EXPECT_EQ(cancel_queued(provider), 1);
  EXPECT_TRUE(sandbox_->customer_deleted(cleo_customer));
}

// A checkout left open in another tab when the account is deleted: paid afterwards, its subscription
// would find no owner (the webhook "unmatched") and charge every month for an account nobody can
// sign in to. The deletion's job expires it at the provider.
TEST_F(Payments, DeletingTheAccountExpiresItsOpenCheckout) {
  TestUser ana = user("Ana");
  const std::string page = open_checkout(ana);
  ASSERT_FALSE(page.empty());
  ASSERT_EQ(server_->request("DELETE", "/api/v1/me", "", ana.auth()).status, 204);
  subscriptions::StripeProvider provider("sandbox", sandbox_->base_url(), kKey);
  EXPECT_EQ(cancel_queued(provider), 1);
  EXPECT_EQ(to_sandbox("POST", page + "/pay", "outcome=succeed").status, 410) << "the checkout can no longer be paid";
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  EXPECT_EQ(count("SELECT count(*) FROM payment_events WHERE event_type = 'checkout.session.completed'"), 0);
}

// The same checkout, paid after a deletion that could not expire it (Redis had lost the open
// checkout): its webhooks find no owner. Before, they were recorded "unmatched" and nothing more,
// and the provider charged the gone account every month; now its subscription is cancelled and its
// customer record deleted.
TEST_F(Payments, ACheckoutPaidAfterTheAccountWentIsCancelledAtTheProvider) {
  TestUser ana = user("Ana");
  const std::string page = open_checkout(ana);
  ASSERT_FALSE(page.empty());
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  ASSERT_TRUE(redis.command({"DEL", subscriptions::open_checkout_key(ana.id())}));
  ASSERT_EQ(server_->request("DELETE", "/api/v1/me", "", ana.auth()).status, 204);
  subscriptions::StripeProvider provider("sandbox", sandbox_->base_url(), kKey);
  EXPECT_EQ(cancel_queued(provider), 0) << "the deletion knew of no checkout";

  ASSERT_EQ(to_sandbox("POST", page + "/pay", "outcome=succeed").status, 303);
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  EXPECT_GT(count("SELECT count(*) FROM payment_events WHERE outcome = 'unmatched'"), 0);
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  auto paid = q.exec1(
      "SELECT payload->>'subscription_id', payload->>'customer_id' FROM jobs "
      "WHERE kind = 'cancel_provider_subscription' ORDER BY created_at LIMIT 1");
  ASSERT_FALSE(paid[0].is_null()) << "no cancellation was queued";
  const std::string subscription = paid[0].as<std::string>(), customer = paid[1].as<std::string>();
  EXPECT_GE(cancel_queued(provider), 1);
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  EXPECT_EQ(to_sandbox("POST", "/sandbox/subscriptions/" + subscription + "/renew").status, 400)
      << "the gone account's subscription is canceled: no renewal is charged";
  EXPECT_TRUE(sandbox_->customer_deleted(customer));

  // An account this system never had (the provider sends every event of its account, which may
  // serve another system too): recorded, and nothing of it cancelled.
  TestUser stranger{.user_id = crypto::uuid_v4()};
  auto theirs = deliver_signed(subscription_event("evt_stranger", "customer.subscription.updated", now_s(), stranger,
                                                  "active", now_s() + 30 * 86400));
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'cancel_provider_subscription' AND "
                  "payload->>'subscription_id' = $1",
                  "sub_test_" + stranger.user_id.substr(0, 8)),
            0)
      << "another system's customer was cancelled";
}

// Staff giving a plan over one the person pays for. Before, "free" left the provider charging
// (and its next paid invoice brought premium back), and a comp could be ended by the paid
// subscription's own events. Now "free" cancels it at the provider and its later events change
// nothing; a comp is refused until the person no longer pays.
TEST_F(Payments, StaffGivingTheFreePlanCancelsThePaidSubscriptionWhoseLaterEventsChangeNothing) {
  TestUser ana = user("Ana");
  checkout(ana);
  const std::string anas = provider_subscription(ana);
  ASSERT_FALSE(anas.empty());
  auto& staff = server_->app().staff;
  const UserId ana_id(ana.user_id);
  auto comp = staff.grant_plan(UserId(), ana_id, {.plan_id = "premium", .days = 30});
  ASSERT_FALSE(comp.has_value());
  EXPECT_EQ(comp.error().type, "paid-subscription-live");
  EXPECT_EQ(subscription(ana)["payment_method"], "card") << "refused: unchanged";
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'cancel_provider_subscription'"), 0);

  ASSERT_TRUE(staff.grant_plan(UserId(), ana_id, {.plan_id = "free", .days = 1}).has_value());
  EXPECT_EQ(subscription(ana)["plan_id"], "free");
  // An invoice the provider had under way, paid after the grant: no premium again.
  Json invoice = invoice_event("evt_late_invoice", "invoice.paid", now_s() + 5, ana, now_s() + 30 * 86400);
  invoice["data"]["object"]["subscription"] = anas;
  EXPECT_EQ(deliver_signed(invoice).json()["outcome"], "ignored");
  EXPECT_EQ(subscription(ana)["plan_id"], "free");

  subscriptions::StripeProvider provider("sandbox", sandbox_->base_url(), kKey);
  EXPECT_EQ(cancel_queued(provider), 1);
  ASSERT_TRUE(sandbox_->wait_idle(15s));  // its customer.subscription.deleted, delivered
  EXPECT_EQ(to_sandbox("POST", "/sandbox/subscriptions/" + anas + "/renew").status, 400)
      << "cancelled at the provider: no renewal is charged";
  auto free = subscription(ana);
  EXPECT_EQ(free["plan_id"], "free");
  EXPECT_EQ(free["status"], "not_required") << free.dump();

  // She no longer pays: a comp is given, and the old subscription's events leave it alone.
  ASSERT_TRUE(staff.grant_plan(UserId(), ana_id, {.plan_id = "premium", .days = 7}).has_value());
  Json deleted =
      subscription_event("evt_old_deleted", "customer.subscription.deleted", now_s() + 10, ana, "canceled", now_s());
  deleted["data"]["object"]["id"] = anas;
  EXPECT_EQ(deliver_signed(deleted).json()["outcome"], "ignored");
  auto given = subscription(ana);
  EXPECT_EQ(given["payment_method"], "comp");
  EXPECT_EQ(given["in_force"], true) << given.dump();
}

// A banned person cannot sign in to cancel: their paid subscription went on being charged every
// month (each renewal making the plan active again). A ban cancels it at the provider.
TEST_F(Payments, BanningAPayingAccountCancelsItsSubscriptionAtTheProvider) {
  TestUser ana = user("Ana");
  TestUser ben = user("Ben");
  TestUser mod = user("Mo");
  checkout(ana);
  const std::string anas = provider_subscription(ana);
  ASSERT_FALSE(anas.empty());
  auto reported = post_json(ben, "/api/v1/users/" + ana.user_id + "/report", {{"reason", "scam"}});
  ASSERT_EQ(reported.status, 201) << reported.body;
  auto& staff = server_->app().staff;
  ASSERT_TRUE(staff.grant_role(mod.email, staff::role_from("moderator")).has_value());
  auto banned = staff.act(UserId(mod.user_id), reported.json()["report_id"], {.action = staff::Action::ban});
  ASSERT_TRUE(banned.has_value()) << banned.error().detail;
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE kind = 'cancel_provider_subscription'"), 1);

  subscriptions::StripeProvider provider("sandbox", sandbox_->base_url(), kKey);
  EXPECT_EQ(cancel_queued(provider), 1);
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  EXPECT_EQ(to_sandbox("POST", "/sandbox/subscriptions/" + anas + "/renew").status, 400)
      << "cancelled at the provider: no renewal is charged";
}

// A checkout left open in another tab when the account is banned: paid within its day, it started
// a subscription that the banned person could never sign in to cancel. The ban expires it, as a
// deletion does.
TEST_F(Payments, BanningAnAccountExpiresItsOpenCheckout) {
  TestUser ana = user("Ana");
  TestUser ben = user("Ben");
  TestUser mod = user("Mo");
  const std::string page = open_checkout(ana);
  ASSERT_FALSE(page.empty());
  auto reported = post_json(ben, "/api/v1/users/" + ana.user_id + "/report", {{"reason", "scam"}});
  ASSERT_EQ(reported.status, 201) << reported.body;
  auto& staff = server_->app().staff;
  ASSERT_TRUE(staff.grant_role(mod.email, staff::role_from("moderator")).has_value());
  ASSERT_TRUE(staff.act(UserId(mod.user_id), reported.json()["report_id"], {.action = staff::Action::ban}));

  subscriptions::StripeProvider provider("sandbox", sandbox_->base_url(), kKey);
  EXPECT_EQ(cancel_queued(provider), 1);
  EXPECT_EQ(to_sandbox("POST", page + "/pay", "outcome=succeed").status, 410) << "the checkout can no longer be paid";
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  EXPECT_EQ(count("SELECT count(*) FROM payment_events WHERE event_type = 'checkout.session.completed'"), 0);
  EXPECT_EQ(provider_subscription(ana), "") << "no subscription started";
}

// A comp given to someone whose paid subscription had ended kept its dead id: the comp counted as
// a live provider plan, so the next grant was refused, and a cancel asked the provider about it
// (503, every time).
TEST_F(Payments, APlanGivenAfterAPaidOneEndedLeavesTheOldSubscriptionBehind) {
  TestUser ana = user("Ana");
  checkout(ana);
  const std::string anas = provider_subscription(ana);
  ASSERT_EQ(post(ana, "/api/v1/subscription/cancel").status, 202);
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  sandbox_action(anas, "renew");  // the period ends: deleted at the provider
  ASSERT_EQ(subscription(ana)["status"], "canceled");

  auto& staff = server_->app().staff;
  const UserId ana_id(ana.user_id);
  ASSERT_TRUE(staff.grant_plan(UserId(), ana_id, {.plan_id = "premium", .days = 7}).has_value());
  auto longer = staff.grant_plan(UserId(), ana_id, {.plan_id = "premium", .days = 30});
  EXPECT_TRUE(longer.has_value()) << (longer ? "" : longer.error().type);
  EXPECT_EQ(post(ana, "/api/v1/subscription/cancel").status, 404) << "a given plan has nothing to cancel";
  EXPECT_EQ(subscription(ana)["payment_method"], "comp");
  EXPECT_EQ(subscription(ana)["in_force"], true);
}

// Two checkouts open at once (two tabs, or one left and another later) could both be paid: the
// second subscription took the first's place, and the first went on charging out of reach of
// cancel. A new checkout now expires the one before; if that one was paid meanwhile, the new one is
// refused (and expired).
TEST_F(Payments, ANewCheckoutExpiresTheOneBeforeSoOnlyOneCanBePaid) {
  TestUser ana = user("Ana");
  const Json body = {{"plan_id", "premium"}, {"interval", "month"}, {"currency", "EUR"}};
  auto first = post_json(ana, "/api/v1/subscription/checkout", body);
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string base = sandbox_->base_url();
  const std::string first_page = first.json()["url"].get<std::string>().substr(base.size());
  checkout(ana);  // the second, paid
  EXPECT_EQ(to_sandbox("POST", first_page + "/pay", "outcome=succeed").status, 410)
      << "the first can no longer be paid";
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  EXPECT_EQ(subscription(ana)["status"], "active");
  EXPECT_EQ(count("SELECT count(*) FROM payment_events WHERE event_type = 'checkout.session.completed'"), 1);

  // Paid while the webhook had not arrived yet: a new checkout is refused, and cannot be paid.
  TestUser ben = user("Ben");
  auto bens = post_json(ben, "/api/v1/subscription/checkout", body);
  ASSERT_EQ(bens.status, 200) << bens.body;
  sandbox_->set_webhook_url("http://127.0.0.1:9/nowhere");
  ASSERT_EQ(
      to_sandbox("POST", bens.json()["url"].get<std::string>().substr(base.size()) + "/pay", "outcome=succeed").status,
      303);
  auto again = post_json(ben, "/api/v1/subscription/checkout", body);
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_NE(again.body.find("just paid"), std::string::npos) << again.body;
  sandbox_->set_webhook_url(fmt::format("http://127.0.0.1:{}/api/v1/webhooks/payments", server_->port()));
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  EXPECT_EQ(subscription(ben)["status"], "active") << "the one he paid";
}

// The first checkout paid, and its webhook applied, while a second (another tab) is being made at
// the provider: the webhook forgot the open checkout, so the second found none to ask about and
// stayed payable beside the subscription in force; paying it charged twice (and cancelled the
// first at the provider). The second is refused and expired now.
TEST_F(Payments, ACheckoutPaidWhileAnotherIsBeingMadeLeavesTheOtherUnpayable) {
  TestUser ana = user("Ana");
  const Json body = {{"plan_id", "premium"}, {"interval", "month"}, {"currency", "EUR"}};
  const std::string first_page = open_checkout(ana);
  ASSERT_FALSE(first_page.empty());
  sandbox_->hold_checkouts();
  test::HttpResult second;
  std::thread other_tab([&] { second = post_json(ana, "/api/v1/subscription/checkout", body); });
  const bool held = sandbox_->wait_checkout_held(10s);
  if (held) {
    // Meanwhile, the first is paid and its webhook applied.
    EXPECT_EQ(to_sandbox("POST", first_page + "/pay", "outcome=succeed").status, 303);
    EXPECT_TRUE(sandbox_->wait_idle(15s));
    EXPECT_EQ(subscription(ana)["status"], "active");
  }
  sandbox_->release_checkouts();
  other_tab.join();
  ASSERT_TRUE(held) << "the second checkout reached the provider";
  ASSERT_EQ(second.status, 400) << second.body;
  EXPECT_NE(second.body.find("just paid"), std::string::npos) << second.body;
  auto started =
      count("SELECT count(*) FROM audit_log WHERE event = 'subscription_checkout' AND user_id = $1::uuid", ana.user_id);
  EXPECT_EQ(started, 1) << "the refused checkout is not recorded as started";
  EXPECT_EQ(sandbox_->open_checkouts_of(ana.user_id), 0) << "the second can no longer be paid";
}

// A plan lapsed here (the grace ran out) while the provider still retries the old card: checking out
// again starts a second subscription. Before, the first stayed live at the provider, its events
// ignored and out of reach of cancel, and charged again once a retry went through.
TEST_F(Payments, ANewSubscriptionAfterALapseCancelsTheOldOneAtTheProvider) {
  TestUser ana = user("Ana");
  checkout(ana);
  const std::string first = provider_subscription(ana);
  sandbox_action(first, "fail");
  exec("UPDATE subscription_details SET grace_until = now() - interval '1 minute' WHERE user_id = '" + ana.user_id +
       "'");
  EXPECT_EQ(expire(), 1);
  ASSERT_EQ(subscription(ana)["status"], "expired");

  // The same day: the first checkout, paid, is no longer remembered as open (it was, for a day,
  // and this checkout was refused as "just paid").
  checkout(ana);
  const std::string second = provider_subscription(ana);
  ASSERT_NE(second, first);
  EXPECT_EQ(subscription(ana)["status"], "active");
  subscriptions::StripeProvider provider("sandbox", sandbox_->base_url(), kKey);
  EXPECT_EQ(cancel_queued(provider), 1) << "the first subscription's cancellation";
  ASSERT_TRUE(sandbox_->wait_idle(15s));
  EXPECT_EQ(to_sandbox("POST", "/sandbox/subscriptions/" + first + "/renew").status, 400)
      << "the first can no longer charge";
  EXPECT_FALSE(sandbox_->customer_deleted(provider_customer(ana))) << "the customer pays for the second";
  sandbox_action(second, "renew");
  EXPECT_EQ(subscription(ana)["status"], "active");
}

// Each checkout calls the provider with the platform's key: a loop of them would spend the
// account's API limit for everyone. A person gets ten an hour; bad input costs nothing of them.
TEST_F(Payments, CheckoutsAreLimitedPerPerson) {
  TestUser ana = user("Ana");
  TestUser ben = user("Ben");
  const Json body = {{"plan_id", "premium"}, {"interval", "month"}, {"currency", "EUR"}};
  EXPECT_EQ(post_json(ana, "/api/v1/subscription/checkout", {{"plan_id", "gold"}}).status, 400);
  Json unknown_key = body;
  unknown_key["coupon"] = "FREE";
  auto refused_key = post_json(ana, "/api/v1/subscription/checkout", unknown_key);
  EXPECT_EQ(refused_key.status, 400) << "an unknown key is refused, never ignored: " << refused_key.body;
  EXPECT_EQ(refused_key.json()["errors"][0]["field"], "coupon") << refused_key.body;
  for (int i = 0; i < 10; ++i) ASSERT_EQ(post_json(ana, "/api/v1/subscription/checkout", body).status, 200) << i;
  auto refused = post_json(ana, "/api/v1/subscription/checkout", body);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.header("content-type"), "application/problem+json");
  EXPECT_FALSE(refused.header("retry-after").empty());
  EXPECT_EQ(post_json(ben, "/api/v1/subscription/checkout", body).status, 200) << "someone else's budget";
}

TEST_F(Payments, TheNewRoutesRefuseWhoMayNotCallThem) {
  TestUser ana = user("Ana");
  TestUser ben = user("Ben");
  const Json body = {{"plan_id", "premium"}, {"interval", "month"}, {"currency", "EUR"}};
  // Signed out.
  EXPECT_EQ(
      server_->request("POST", "/api/v1/subscription/checkout", body.dump(), {{"Content-Type", "application/json"}})
          .status,
      401);
  EXPECT_EQ(server_->request("POST", "/api/v1/subscription/cancel").status, 401);
  // Unsigned webhook.
  EXPECT_EQ(deliver(R"({"id":"evt_x","type":"invoice.paid","created":1,"data":{"object":{}}})", std::nullopt).status,
            401);

  // Another user: Ben cannot cancel Ana's subscription (he has none: 404), hers stays.
  checkout(ana);
  EXPECT_EQ(post(ben, "/api/v1/subscription/cancel").status, 404);
  ASSERT_TRUE(sandbox_->wait_idle(5s));
  EXPECT_EQ(subscription(ana)["cancel_at_period_end"], false);

  // Bad input: 4xx problems saying what is wrong.
  for (const auto& bad : {Json{{"plan_id", "premium"}, {"interval", "week"}, {"currency", "EUR"}},
                          Json{{"plan_id", "premium"}, {"interval", "month"}, {"currency", "EURO"}},
                          Json{{"plan_id", "premium"}, {"interval", "month"}, {"currency", "JPY"}},
                          Json{{"plan_id", "free"}, {"interval", "month"}, {"currency", "EUR"}},
                          Json{{"interval", "month"}, {"currency", "EUR"}}, Json::array()}) {
    auto res = post_json(ben, "/api/v1/subscription/checkout", bad);
    EXPECT_EQ(res.status, 400) << bad.dump() << " " << res.body;
    EXPECT_EQ(res.header("content-type"), "application/problem+json");
  }
  auto as_text = ben.auth();
  as_text.emplace_back("Content-Type", "text/plain");
  EXPECT_EQ(server_->request("POST", "/api/v1/subscription/checkout", body.dump(), as_text).status, 415);

  // A suspended user: the suspension ended the sessions.
  auto& app = server_->app();
  ASSERT_TRUE(db::transact(app.db, [&](pqxx::work& tx) -> Result<bool> {
                db::AsSystem as_system(tx);
                auth::suspend(tx, ben.id(), 3);
                return true;
              }).has_value());
  ASSERT_TRUE(app.sessions.end_all(ben.id()).has_value());
  EXPECT_EQ(post_json(ben, "/api/v1/subscription/checkout", body).status, 401);
  EXPECT_EQ(post(ben, "/api/v1/subscription/cancel").status, 401);
}
