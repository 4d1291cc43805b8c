// Web Push (src/notifications/push_*.cpp, docs/notifications.md "Push") against a real counterpart:
// tests/push/endpoint.mjs decrypts every push with the subscription's keys using http_ece (the
// RFC 8188 reference implementation) and verifies its VAPID JWT with jose. The subscription routes
// (own only; logged-out, suspended and other users refused; bad input a 4xx problem), a match that
// arrives decrypted with its words and link, a burst of messages as one push per browser with a
// Topic, settings off, a 410 that removes the subscription, a 429 then success delivered once,
// and a worker killed between sending and recording (no second push).

#include <signal.h>
#include <algorithm>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "app/worker_metrics.hpp"
#include "auth/restrictions.hpp"
#include "auth/sessions.hpp"
#include "cache/redis.hpp"
#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "db/transaction.hpp"
#include "notifications/push_crypto.hpp"
#include "support/accounts.hpp"
#include "support/push_endpoint.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

using namespace pm;
using nlohmann::json;

namespace {

constexpr const char* kSubject = "mailto:ops@pm.test";
constexpr const char* kPath = "/api/v1/me/push-subscriptions";

class PushDelivery : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path);
    key_file_ = (dir_.path / "vapid.pem").string();
    const auto key = notifications::push::new_vapid_key();
    std::ofstream(key_file_) << key.private_pem;
    public_key_ = key.public_key;
    config_.vapid_key_file = key_file_;
    config_.vapid_subject = kSubject;
    config_.public_url = "https://app.pm.test";
    config_.push_service_hosts = "push.services.mozilla.com, 127.0.0.1";  // the local push endpoint
    server_ = std::make_unique<test::TestServer>(config_);
  }
  void TearDown() override {
    const auto dir = server_->app().config.notification_dir;
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  test::TestUser user(const std::string& name) { return test::sign_up(*server_, test::unique_email(name), name); }

  // A browser of `u` subscribes at the endpoint; returns the endpoint's subscription (with its "id").
  json subscribe(const test::TestUser& u) {
    auto sub = endpoint_.subscribe();
    json body = sub;
    body.erase("id");
    auto res = server_->request("POST", kPath, body.dump(), with_json(u.auth()));
    EXPECT_EQ(res.status, 201) << res.body;
    return sub;
  }

  // `u` signed in again, as on another browser: the same account, a session of its own.
  test::TestUser signed_in_elsewhere(const test::TestUser& u) {
    auto in = server_->request("POST", "/api/v1/auth/login", json{{"email", u.email}, {"password", u.password}}.dump());
    EXPECT_EQ(in.status, 200) << in.body;
    test::TestUser on = u;
    on.token = in.json().value("token", "");
    return on;
  }

  static test::Headers with_json(test::Headers h) {
    h.emplace_back("Content-Type", "application/json");
    return h;
  }

  std::optional<json> record(const test::TestUser& u, notifications::Type type, const json& content,
                             const std::string& group = "") {
    auto& app = server_->app();
    auto r = db::transact(app.db, [&](pqxx::work& tx) -> Result<std::optional<json>> {
      return group.empty() ? app.notifications.record(tx, u.id(), type, content)
                           : app.notifications.record_coalesced(tx, u.id(), type, group, content);
    });
    EXPECT_TRUE(r.has_value());
    return r ? *r : std::nullopt;
  }

  void deliver() { ASSERT_TRUE(server_->app().notification_outbox.deliver_pending(50).has_value()); }

  int count(const std::string& sql, const std::string& param) {
    auto conn = db_.connect();
    pqxx::nontransaction tx(conn);
    return tx.exec_params1(sql, param)[0].as<int>();
  }
  void exec(const std::string& sql) {
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec(sql);
  }

  // Pushes the endpoint received for subscription `id`.
  std::vector<json> received_by(const std::string& id) {
    std::vector<json> out;
    for (auto& r : endpoint_.received())
      if (r["id"] == id) out.push_back(r);
    return out;
  }

  test::TempDir dir_{"pm-push"};
  test::PushEndpoint endpoint_;
  test::TestDatabase db_;
  Config config_ = test::test_config(db_);
  std::string key_file_, public_key_;
  std::unique_ptr<test::TestServer> server_;
};

}  // namespace

TEST_F(PushDelivery, ABrowserSubscribesAndUnsubscribesItsOwnAndNoOneElseCan) {
  auto ada = user("ada");
  auto bob = user("bob");
  auto key = server_->request("GET", "/api/v1/push/vapid-public-key", "", ada.auth());
  ASSERT_EQ(key.status, 200) << key.body;
  EXPECT_EQ(key.json()["public_key"], public_key_);

  auto sub = endpoint_.subscribe();
  json body = sub;
  body.erase("id");
  auto made = server_->request("POST", kPath, body.dump(), with_json(ada.auth()));
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.json()["endpoint"], sub["endpoint"]);
  EXPECT_FALSE(made.json().contains("keys")) << "the keys stay with the browser and us";
  EXPECT_EQ(server_->request("POST", kPath, body.dump(), with_json(ada.auth())).status, 200) << "the same again";

  // Logged out: refused everywhere.
  EXPECT_EQ(server_->request("GET", "/api/v1/push/vapid-public-key").status, 401);
  EXPECT_EQ(server_->request("POST", kPath, body.dump(), with_json({})).status, 401);
  const std::string target =
      std::string(kPath) + "?endpoint=" + http_client::percent_encode(sub["endpoint"].get<std::string>());
  EXPECT_EQ(server_->request("DELETE", target).status, 401);
  // Another user cannot remove it (and learns nothing: the same 404 as for no such endpoint).
  auto other = server_->request("DELETE", target, "", bob.auth());
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.header("content-type"), "application/problem+json");
  EXPECT_EQ(count("SELECT count(*) FROM push_subscriptions WHERE user_id = $1", ada.user_id), 1);
  // Ada can.
  EXPECT_EQ(server_->request("DELETE", target, "", ada.auth()).status, 204);
  EXPECT_EQ(server_->request("DELETE", target, "", ada.auth()).status, 404);
  EXPECT_EQ(count("SELECT count(*) FROM push_subscriptions WHERE user_id = $1", ada.user_id), 0);

  // A suspended user is refused: a suspension ends the user's sessions (as staff's does).
  auto& app = server_->app();
  ASSERT_TRUE(db::transact(app.db, [&](pqxx::work& tx) -> Result<bool> {
                db::AsSystem as_system(tx);
                auth::suspend(tx, bob.id(), 3);
                return true;
              }).has_value());
  ASSERT_TRUE(app.sessions.end_all(bob.id()).has_value());
  EXPECT_EQ(server_->request("POST", kPath, body.dump(), with_json(bob.auth())).status, 401);
  EXPECT_EQ(server_->request("GET", "/api/v1/push/vapid-public-key", "", bob.auth()).status, 401);
}

// A browser someone else turned push on in (a stalker with the phone for a minute, a shared
// computer) stays a live feed of matches and messages until its session ends; then it stops: at
// its sign-out, "sign out everywhere" or a password change, and only that session's browser.
TEST_F(PushDelivery, ABrowserWhoseSessionEndedGetsNoMorePushes) {
  auto ada = user("ada");
  const auto phone = signed_in_elsewhere(ada), laptop = signed_in_elsewhere(ada), tablet = signed_in_elsewhere(ada);
  auto sub_first = subscribe(ada), sub_phone = subscribe(phone), sub_laptop = subscribe(laptop),
       sub_tablet = subscribe(tablet);
  auto subscribed = [&] { return count("SELECT count(*) FROM push_subscriptions WHERE user_id = $1", ada.user_id); };
  ASSERT_EQ(subscribed(), 4);

  ASSERT_EQ(server_->request("POST", "/api/v1/auth/logout", "", ada.auth()).status, 204);
  EXPECT_EQ(subscribed(), 3) << "her sign-out took her browser's subscription, and only that one";
  auto changed =
      server_->request("POST", "/api/v1/me/password",
                       json{{"current_password", ada.password}, {"new_password", "a whole new secret phrase"}}.dump(),
                       with_json(tablet.auth()));
  ASSERT_EQ(changed.status / 100, 2) << changed.body;
  EXPECT_EQ(subscribed(), 1) << "a password change ends the other sessions and their browsers' pushes";

  record(ada, notifications::Type::match_new, {{"match_id", "m"}, {"conversation_id", "c"}, {"user_id", "u"}});
  deliver();
  EXPECT_EQ(received_by(sub_tablet["id"]).size(), 1u) << "the browser she changed it from still gets hers";
  for (const auto* gone : {&sub_first, &sub_phone, &sub_laptop})
    EXPECT_TRUE(received_by((*gone)["id"]).empty()) << "a browser signed out got a push";
  ASSERT_EQ(server_->request("POST", "/api/v1/auth/logout-all", "", tablet.auth()).status, 204);
  EXPECT_EQ(subscribed(), 0) << "signing out everywhere ends every browser's pushes";
}

// A session that expires tells nobody (it is found expired at its next use, or its key runs out),
// so a browser left subscribed would stay a feed of matches and messages for good, long after its
// device vanished from her sessions. Each push asks whether the subscription's session is in force.
TEST_F(PushDelivery, ABrowserWhoseSessionExpiredGetsNoMorePushes) {
  auto ada = user("ada");
  const auto idle = signed_in_elsewhere(ada), gone = signed_in_elsewhere(ada);
  auto sub_own = subscribe(ada), sub_idle = subscribe(idle), sub_gone = subscribe(gone);
  ASSERT_EQ(count("SELECT count(*) FROM push_subscriptions WHERE user_id = $1", ada.user_id), 3);

  // One session idle past its expiry (its field still there), one whose field went (the hash's
  // key ran out of time: Redis drops it without a word).
  cache::RedisPool redis(cache::RedisOptions{.url = test::redis_url(), .size = 1});
  const std::string key = auth::SessionStore::key(ada.id());
  const std::string idle_id = crypto::sha256_hex(idle.token);
  auto stored = redis.command({"HGET", key, idle_id});
  ASSERT_TRUE(stored && !stored->is_nil());
  json expired = json::parse(stored->str());
  expired["expires_at"] = 1;
  ASSERT_TRUE(redis.command({"HSET", key, idle_id, expired.dump()}));
  ASSERT_TRUE(redis.command({"HDEL", key, crypto::sha256_hex(gone.token)}));

  record(ada, notifications::Type::match_new, {{"match_id", "m"}, {"conversation_id", "c"}, {"user_id", "u"}});
  deliver();
  EXPECT_EQ(received_by(sub_own["id"]).size(), 1u) << "her signed-in browser still gets hers";
  EXPECT_TRUE(received_by(sub_idle["id"]).empty()) << "a browser whose session expired got a push";
  EXPECT_TRUE(received_by(sub_gone["id"]).empty()) << "a browser whose session ran out got a push";
  EXPECT_EQ(count("SELECT count(*) FROM push_subscriptions WHERE user_id = $1", ada.user_id), 1)
      << "their subscriptions are removed";
}

// A subscription that named no session (as those stored before migrations/0034) could not be
// asked about at a push, and went on until every session of its user ended: none can be stored.
TEST_F(PushDelivery, EverySubscriptionNamesTheSessionItEndsWith) {
  auto ada = user("ada");
  subscribe(ada);
  auto conn = db_.connect();
  pqxx::nontransaction tx(conn);
  EXPECT_THROW(tx.exec_params0("UPDATE push_subscriptions SET session_id = NULL WHERE user_id = $1", ada.user_id),
               pqxx::not_null_violation);
}

TEST_F(PushDelivery, BadSubscriptionsAreClearProblemsAndEachUserHasACap) {
  auto ada = user("ada");
  auto bad = [&](const std::string& text) {
    auto res = server_->request("POST", kPath, text, with_json(ada.auth()));
    EXPECT_EQ(res.status, 400) << text << " -> " << res.body;
    EXPECT_EQ(res.header("content-type"), "application/problem+json");
    return res.status == 400 ? res.json() : json::object();
  };
  auto sub = endpoint_.subscribe();
  json body = sub;
  body.erase("id");
  auto insecure = body;
  insecure["endpoint"] = "http://push.example.net/x";
  EXPECT_EQ(bad(insecure.dump())["errors"][0]["field"], "endpoint");
  // The worker would POST to it: only the configured push services, never a host of our own network.
  for (const auto* elsewhere : {"https://10.0.0.7/push/x", "https://metadata.google.internal/x",
                                "https://evil-push.services.mozilla.com.attacker.example/x", "https://localhost/x"}) {
    auto aimed = body;
    aimed["endpoint"] = elsewhere;
    auto problem = bad(aimed.dump());
    EXPECT_EQ(problem["errors"][0]["field"], "endpoint") << elsewhere;
    EXPECT_NE(problem.value("detail", "").find("push service"), std::string::npos) << problem.dump();
  }
  auto mozilla = body;
  mozilla["endpoint"] = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABn";
  auto taken = server_->request("POST", kPath, mozilla.dump(), with_json(ada.auth()));
  EXPECT_EQ(taken.status, 201) << "a configured service's subdomain: " << taken.body;
  auto short_key = body;
  short_key["keys"]["p256dh"] = "BCVxsr7N";
  EXPECT_EQ(bad(short_key.dump())["errors"][0]["field"], "keys.p256dh");
  auto long_auth = body;
  long_auth["keys"]["auth"] = "BTBZMqHH6r4Tts7J_aSIggAA";
  EXPECT_EQ(bad(long_auth.dump())["errors"][0]["field"], "keys.auth");
  bad("{not json");
  bad("[]");
  EXPECT_EQ(server_->request("DELETE", kPath, "", ada.auth()).status, 400) << "no endpoint named";

  for (int i = 1; i < notifications::kMaxPushSubscriptionsPerUser; ++i) subscribe(ada);  // with Mozilla's: the cap
  auto more = endpoint_.subscribe();
  more.erase("id");
  auto refused = server_->request("POST", kPath, more.dump(), with_json(ada.auth()));
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.json()["type"], "/problems/push-subscription-limit");
}

// Before, subscriptions sent at once were each counted under the cap and all stored.
TEST_F(PushDelivery, SubscriptionsSentAtOnceStopAtTheCap) {
  auto bob = user("bob");
  for (int i = 1; i < notifications::kMaxPushSubscriptionsPerUser; ++i) subscribe(bob);
  // Each insert made slow (this test's database only), so that requests sent at once all count
  // before any of them has stored its row, unless counting waits for the one before.
  db_.slow_down("push_subscriptions", "BEFORE INSERT", 0.2);
  std::vector<json> bodies;
  for (int i = 0; i < 8; ++i) {
    bodies.push_back(endpoint_.subscribe());
    bodies.back().erase("id");
  }
  std::vector<int> statuses(bodies.size());
  std::vector<std::thread> senders;
  for (std::size_t i = 0; i < bodies.size(); ++i)
    senders.emplace_back(
        [&, i] { statuses[i] = server_->request("POST", kPath, bodies[i].dump(), with_json(bob.auth())).status; });
  for (auto& t : senders) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), 7);
  EXPECT_EQ(count("SELECT count(*) FROM push_subscriptions WHERE user_id = $1", bob.user_id),
            notifications::kMaxPushSubscriptionsPerUser);
}

TEST_F(PushDelivery, AMatchArrivesDecryptedWithItsWordsAndLinkSignedForThePushService) {
  auto ada = user("ada");
  auto phone = subscribe(ada);
  auto laptop = subscribe(ada);
  auto n = record(ada, notifications::Type::match_new, {{"match_id", "m-1"}, {"conversation_id", "c-1"}});
  ASSERT_TRUE(n.has_value());
  deliver();

  for (const auto& sub : {phone, laptop}) {
    auto got = received_by(sub["id"]);
    ASSERT_EQ(got.size(), 1u) << endpoint_.log();
    const auto& push = got[0];
    EXPECT_TRUE(push["vapid"]["ok"].get<bool>()) << push.dump();
    EXPECT_EQ(push["vapid"]["k"], public_key_);
    EXPECT_EQ(push["vapid"]["claims"]["sub"], kSubject);
    EXPECT_EQ(push["headers"]["content_encoding"], "aes128gcm");
    EXPECT_EQ(push["headers"]["ttl"], "86400");
    EXPECT_EQ(push["headers"]["urgency"], "high");
    ASSERT_TRUE(push.contains("payload")) << push.dump();
    EXPECT_EQ(push["payload"]["title"], "It's a match!");
    EXPECT_EQ(push["payload"]["url"], "https://app.pm.test/matches/m-1");
    EXPECT_EQ(push["payload"]["type"], "match.new");
    EXPECT_EQ(push["payload"]["notification_id"], (*n)["notification_id"]);
    EXPECT_EQ(push["status"], 201);
  }
  EXPECT_EQ(count("SELECT count(*) FROM push_deliveries WHERE user_id = $1 AND outcome = 'sent'", ada.user_id), 2);
  EXPECT_EQ(
      count("SELECT count(*) FROM push_subscriptions WHERE user_id = $1 AND last_used_at IS NOT NULL", ada.user_id), 2);
  EXPECT_EQ(server_->app().push_sender->counts().sent, 2u);

  // Delivered is delivered: another round sends nothing.
  exec("UPDATE notification_outbox SET next_attempt_at = now()");
  deliver();
  EXPECT_EQ(endpoint_.received().size(), 2u);
}

TEST_F(PushDelivery, ABurstOfMessagesIsOnePushPerBrowserWithTheConversationsTopic) {
  auto ada = user("ada");
  auto phone = subscribe(ada);
  auto laptop = subscribe(ada);
  for (int i = 0; i < 3; ++i)
    record(ada, notifications::Type::message_new, {{"conversation_id", "c-7"}, {"preview", "hi"}}, "c-7");
  deliver();
  deliver();
  auto all = endpoint_.received();
  ASSERT_EQ(all.size(), 2u) << "one per browser";
  EXPECT_NE(all[0]["id"], all[1]["id"]);
  for (const auto& push : all) {
    EXPECT_EQ(push["payload"]["title"], "3 new messages") << push.dump();
    EXPECT_EQ(push["payload"]["url"], "https://app.pm.test/chats/c-7");
    EXPECT_EQ(push["headers"]["topic"].get<std::string>().size(), 32u);
    EXPECT_EQ(push["headers"]["topic"], all[0]["headers"]["topic"]);
    EXPECT_FALSE(push["payload"].contains("preview")) << "no message text on a lock screen";
  }
}

TEST_F(PushDelivery, NothingIsPushedWhenTheUserTurnedPushOrTheTypeOff) {
  auto ada = user("ada");
  subscribe(ada);
  auto prefs = [&](const json& settings) {
    auto res = server_->request("PUT", "/api/v1/me/preferences", json{{"notification_settings", settings}}.dump(),
                                with_json(ada.auth()));
    ASSERT_EQ(res.status, 200) << res.body;
  };
  prefs({{"push", false}});
  record(ada, notifications::Type::match_new, {{"match_id", "m-1"}});
  prefs({{"push", true}, {"like_received", false}});
  record(ada, notifications::Type::like_received, {{"match_id", "m-2"}});
  deliver();
  EXPECT_TRUE(endpoint_.received().empty());
  // Turned back on: it goes.
  record(ada, notifications::Type::match_new, {{"match_id", "m-3"}});
  deliver();
  EXPECT_EQ(endpoint_.received().size(), 1u);
  // Turned off after it was queued, before it went (or between its retries): it does not go. Before,
  // the settings were read only when it was recorded.
  record(ada, notifications::Type::match_new, {{"match_id", "m-4"}});
  prefs({{"push", false}});
  deliver();
  EXPECT_EQ(endpoint_.received().size(), 1u) << "pushed though push was turned off meanwhile";
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE user_id = $1 AND sent_at IS NULL "
                  "AND failed_at IS NOT NULL AND last_error LIKE 'turned-off%'",
                  ada.user_id),
            1)
      << "done with, not tried again";
}

TEST_F(PushDelivery, A410FromThePushServiceRemovesTheSubscription) {
  auto ada = user("ada");
  auto gone = subscribe(ada);
  auto kept = subscribe(ada);
  endpoint_.answer(gone["id"], {410});
  record(ada, notifications::Type::like_received, {{"match_id", "m-1"}});
  deliver();
  EXPECT_EQ(received_by(gone["id"]).size(), 1u);
  EXPECT_EQ(received_by(kept["id"]).size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM push_subscriptions WHERE endpoint = $1", gone["endpoint"]), 0);
  EXPECT_EQ(count("SELECT count(*) FROM push_subscriptions WHERE endpoint = $1", kept["endpoint"]), 1);
  EXPECT_EQ(server_->app().push_sender->counts().removed, 1u);
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE user_id = $1 AND channel = 'push' AND sent_at IS "
                  "NOT NULL",
                  ada.user_id),
            1)
      << "a removed subscription is no reason to retry";
}

TEST_F(PushDelivery, A429ThenSuccessDeliversOnceAndOtherBrowsersAreNotSentTwice) {
  auto ada = user("ada");
  auto busy = subscribe(ada);
  auto fine = subscribe(ada);
  endpoint_.answer(busy["id"], {429});
  record(ada, notifications::Type::match_new, {{"match_id", "m-1"}});
  deliver();
  EXPECT_EQ(received_by(busy["id"]).size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE user_id = $1 AND channel = 'push' AND sent_at IS "
                  "NULL AND failed_at IS NULL",
                  ada.user_id),
            1)
      << "waits for its retry";
  EXPECT_EQ(server_->app().push_sender->counts().retried, 1u);

  exec("UPDATE notification_outbox SET next_attempt_at = now()");
  deliver();
  auto busy_got = received_by(busy["id"]);
  ASSERT_EQ(busy_got.size(), 2u);
  EXPECT_EQ(busy_got[0]["status"], 429);
  EXPECT_EQ(busy_got[1]["status"], 201);
  EXPECT_EQ(received_by(fine["id"]).size(), 1u) << "the browser that had it is not sent it again";

  exec("UPDATE notification_outbox SET next_attempt_at = now()");
  deliver();
  EXPECT_EQ(endpoint_.received().size(), 3u);

  // The worker's /metrics count them under channel "push".
  app::WorkerMetrics metrics(server_->app());
  const auto text = server_->app().metrics.render();
  EXPECT_NE(text.find("pm_worker_deliveries_total{channel=\"push\",outcome=\"sent\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("pm_worker_deliveries_total{channel=\"push\",outcome=\"retried\"} 1"), std::string::npos);
  EXPECT_NE(text.find("pm_worker_deliveries_total{channel=\"push\",outcome=\"removed\"} 0"), std::string::npos);
}

TEST_F(PushDelivery, AWorkerKilledBeforeThePushServiceAnswersSendsNoSecondPush) {
  auto ada = user("ada");
  auto sub = subscribe(ada);
  endpoint_.hold(sub["id"]);
  record(ada, notifications::Type::match_new, {{"match_id", "m-1"}});

  const std::map<std::string, std::string> env = {{"PM_VAPID_KEY_FILE", key_file_},
                                                  {"PM_VAPID_SUBJECT", kSubject},
                                                  {"PM_PUSH_SERVICE_HOSTS", config_.push_service_hosts},
                                                  {"PM_PUBLIC_URL", config_.public_url},
                                                  {"PM_NOTIFICATION_DIR", config_.notification_dir}};
  const std::string worker = test::process_env(config_) + " exec " + test::binary_path() + " worker";
  {
    test::Process first({"/bin/sh", "-c", worker}, env, (dir_.path / "worker1.log").string());
    // Waits for the worker's request to arrive (not a timing assertion: the bound only ends a hung test).
    for (int i = 0; i < 600 && endpoint_.held() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(endpoint_.held(), 1) << "the worker never sent the push";
    first.signal(SIGKILL);
    first.wait(10000);
  }
  endpoint_.release();
  ASSERT_EQ(endpoint_.received().size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM push_deliveries WHERE user_id = $1 AND outcome = 'started'", ada.user_id), 1)
      << "the worker died before it could record the answer";

  // Its lease runs out; the next delivery leaves the unknown outcome alone: one push, not two.
  exec("UPDATE notification_outbox SET claimed_until = now() - interval '1 second', next_attempt_at = now()");
  deliver();
  EXPECT_EQ(endpoint_.received().size(), 1u);
}

TEST_F(PushDelivery, APushArrivesInTheLanguageTheUserChose) {
  auto ada = user("ada");
  auto bob = user("bob");
  auto put = [&](const test::TestUser& u, const json& body) {
    return server_->request("PUT", "/api/v1/me/preferences", body.dump(), with_json(u.auth()));
  };
  auto chosen = put(ada, {{"language", "de"}});
  ASSERT_EQ(chosen.status, 200) << chosen.body;
  EXPECT_EQ(chosen.json()["language"], "de");
  auto ada_phone = subscribe(ada);
  auto bob_phone = subscribe(bob);
  record(ada, notifications::Type::match_new, {{"match_id", "m-2"}});
  record(bob, notifications::Type::match_new, {{"match_id", "m-2"}});
  for (int i = 0; i < 2; ++i)
    record(ada, notifications::Type::message_new, {{"conversation_id", "c-9"}, {"preview", "hi"}}, "c-9");
  deliver();

  auto to_ada = received_by(ada_phone["id"]);
  ASSERT_EQ(to_ada.size(), 2u) << endpoint_.log();
  std::set<std::string> titles;
  for (const auto& push : to_ada) titles.insert(push["payload"]["title"].get<std::string>());
  EXPECT_EQ(titles, (std::set<std::string>{"Ein Match!", "2 neue Nachrichten"}));
  auto to_bob = received_by(bob_phone["id"]);
  ASSERT_EQ(to_bob.size(), 1u);
  EXPECT_EQ(to_bob[0]["payload"]["title"], "It's a match!") << "English by default";
}

TEST_F(PushDelivery, DeliveryRecordsGoWithTheRetentionOnceTheirOutboxRowIsDone) {
  auto ada = user("ada");
  subscribe(ada);
  record(ada, notifications::Type::match_new, {{"match_id", "m-3"}});
  deliver();
  ASSERT_EQ(count("SELECT count(*) FROM push_deliveries WHERE user_id = $1", ada.user_id), 1);
  // A record whose delivery is still to be tried again stays, however old.
  record(ada, notifications::Type::like_received, {{"match_id", ""}});
  exec("UPDATE notification_outbox SET next_attempt_at = now() + interval '1 hour' WHERE sent_at IS NULL");
  exec(
      "INSERT INTO push_deliveries (outbox_id, subscription_id, user_id, outcome, started_at) "
      "SELECT o.outbox_id, s.subscription_id, o.user_id, 'retry', now() - interval '100 days' "
      "FROM notification_outbox o JOIN push_subscriptions s USING (user_id) "
      "WHERE o.channel = 'push' AND o.sent_at IS NULL");
  ASSERT_EQ(count("SELECT count(*) FROM push_deliveries WHERE user_id = $1", ada.user_id), 2);

  auto retention = [&] {
    return count("SELECT coalesce(sum(deleted), 0)::int FROM pm_enforce_retention(90) WHERE what = $1",
                 "push_deliveries");
  };
  EXPECT_EQ(retention(), 0) << "the sent one is recent; the old one's delivery is pending";
  exec("UPDATE push_deliveries SET started_at = now() - interval '91 days'");
  EXPECT_EQ(retention(), 1) << "the sent one, now past the retention";
  EXPECT_EQ(count("SELECT count(*) FROM push_deliveries WHERE user_id = $1 AND outcome = 'retry'", ada.user_id), 1);
  exec("UPDATE notification_outbox SET failed_at = now() WHERE sent_at IS NULL");
  EXPECT_EQ(retention(), 1) << "its delivery has failed for good: the record goes too";
  EXPECT_EQ(count("SELECT count(*) FROM push_deliveries WHERE user_id = $1", ada.user_id), 0);
}
