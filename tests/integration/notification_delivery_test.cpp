// Delivery of the notification outbox on the real stores: one file per row written by the
// default sender, retries with backoff and a final failure, no second copy after a crash between
// sending and recording, leases, and two workers delivering at once never sending a row twice.

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "db/transaction.hpp"
#include "notifications/notification_outbox.hpp"
#include "notifications/repository.hpp"
#include "support/notification_api.hpp"

using namespace pm;
using Json = nlohmann::json;
using notifications::Type;
using test::TestUser;
using NotificationDelivery = test::NotificationApi;

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What the test senders saw, shared with the test body.
struct SendLog {
  std::mutex mutex;
  std::map<std::string, int> sends;  // outbox id -> successful sends
  int calls = 0;
};

// Writes through the default sender, after failing its first `failures` calls. With
// `write_then_fail`, a failing call writes the file first: a worker that died after sending and
// before recording it.
class ScriptedSender : public notifications::NotificationSender {
 public:
  ScriptedSender(std::string dir, SendLog& log, int failures, bool write_then_fail = false,
                 std::chrono::milliseconds pause = std::chrono::milliseconds(0))
      : files_(std::move(dir)), log_(log), failures_(failures), write_then_fail_(write_then_fail), pause_(pause) {}

  Result<void> send(const notifications::Outgoing& out) override {
    std::this_thread::sleep_for(pause_);
    bool fail = false;
    {
      std::lock_guard lock(log_.mutex);
      fail = log_.calls++ < failures_;
    }
    if (fail && !write_then_fail_)
      return std::unexpected(Problem("notification-unavailable", "the provider answered 503"));
    auto written = files_.send(out);
    if (!written) return written;
    if (fail) return std::unexpected(Problem("notification-unavailable", "the connection dropped before the answer"));
    std::lock_guard lock(log_.mutex);
    ++log_.sends[out.outbox_id];
    return {};
  }

 private:
  notifications::JsonFileSender files_;
  SendLog& log_;
  int failures_;
  bool write_then_fail_;
  std::chrono::milliseconds pause_;
};

}  // namespace

TEST_F(NotificationDelivery, TheDefaultSenderWritesOneFilePerRowOnce) {
  TestUser ana = user("Ana");
  std::vector<std::string> notification_ids;
  for (int i = 0; i < 3; ++i)
    notification_ids.push_back((*record(ana, Type::match_new, {{"n", i}}))["notification_id"]);
  auto ids = outbox_ids();
  ASSERT_EQ(ids.size(), 6u) << "email and push for each";

  auto& app = server_->app();
  auto sent = app.notification_outbox.deliver_pending(50);
  ASSERT_TRUE(sent.has_value()) << sent.error().detail;
  EXPECT_EQ(*sent, 6);
  const auto& dir = app.config.notification_dir;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(files_in(dir), ids) << "one file per outbox row, named by its id";
  EXPECT_FALSE(temp_files_in(dir));
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE sent_at IS NOT NULL AND claimed_until IS NULL"), 6);

  auto doc = Json::parse(read_text(std::filesystem::path(dir) / (ids[0] + ".json")));
  EXPECT_EQ(doc["outbox_id"], ids[0]);
  EXPECT_EQ(doc["user_id"], ana.user_id);
  EXPECT_TRUE(doc["channel"] == "email" || doc["channel"] == "push");
  EXPECT_EQ(doc["notification"]["type"], "match.new");
  EXPECT_NE(std::find(notification_ids.begin(), notification_ids.end(), doc["notification"]["notification_id"]),
            notification_ids.end());

  EXPECT_EQ(app.notification_outbox.deliver_pending(50).value_or(-1), 0) << "a sent row is never sent again";
  EXPECT_EQ(files_in(dir).size(), 6u);
}

// Read in the app before the worker came to it: no mail or push then tells the person of what they
// have seen (a mail went out all the same before; only push checked).
TEST_F(NotificationDelivery, ANotificationReadBeforeItsDeliveryIsNotSent) {
  TestUser ana = user("Ana");
  const std::string seen = (*record(ana, Type::like_received, {{"n", 1}}))["notification_id"];
  const std::string unseen = (*record(ana, Type::like_received, {{"n", 2}}))["notification_id"];
  ASSERT_EQ(post(ana, "/api/v1/notifications/" + seen + "/read").status, 200);

  auto sent = server_->app().notification_outbox.deliver_pending(50);
  ASSERT_TRUE(sent.has_value()) << sent.error().detail;
  EXPECT_EQ(*sent, 2) << "the unread one's mail and push";
  EXPECT_EQ(
      count("SELECT count(*) FROM notification_outbox WHERE notification_id = $1 AND sent_at IS NOT NULL", unseen), 2);
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE notification_id = $1 AND sent_at IS NULL "
                  "AND failed_at IS NOT NULL AND last_error LIKE 'seen:%'",
                  seen),
            2);
  EXPECT_EQ(files_in(server_->app().config.notification_dir).size(), 2u);
}

TEST_F(NotificationDelivery, AFailingSendIsRetriedWithBackoffThenGivenUp) {
  TestUser ana = user("Ana");
  set_notification_settings(ana, {{"email", false}});  // one row: push
  record(ana, Type::match_new, {{"n", 1}});
  ASSERT_EQ(outbox_ids().size(), 1u);
  const std::string dir = server_->app().config.notification_dir + "-retry";
  SendLog log;
  notifications::NotificationOutbox outbox(server_->app().db, std::make_unique<ScriptedSender>(dir, log, 2),
                                           {.lease = std::chrono::seconds(60),
                                            .max_attempts = 5,
                                            .backoff_base = std::chrono::seconds(60),
                                            .backoff_max = std::chrono::seconds(3600)});
  auto make_due = [&] { exec("UPDATE notification_outbox SET next_attempt_at = now()"); };
  auto wait_seconds = [&] {
    return count("SELECT round(extract(epoch FROM next_attempt_at - now()))::int FROM notification_outbox");
  };

  EXPECT_EQ(outbox.deliver_pending().value_or(-1), 0);
  EXPECT_EQ(count("SELECT attempts FROM notification_outbox"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE last_error LIKE 'notification-unavailable:%' AND "
                  "sent_at IS NULL "
                  "AND claimed_until IS NULL AND failed_at IS NULL"),
            1);
  EXPECT_NEAR(wait_seconds(), 60, 2) << "first backoff: the base";
  EXPECT_EQ(outbox.deliver_pending().value_or(-1), 0) << "not before its time";
  EXPECT_EQ(log.calls, 1);

  make_due();
  EXPECT_EQ(outbox.deliver_pending().value_or(-1), 0);
  EXPECT_EQ(count("SELECT attempts FROM notification_outbox"), 2);
  EXPECT_NEAR(wait_seconds(), 120, 2) << "the backoff doubles";

  make_due();
  EXPECT_EQ(outbox.deliver_pending().value_or(-1), 1);
  EXPECT_EQ(log.calls, 3);
  EXPECT_EQ(files_in(dir).size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE sent_at IS NOT NULL AND attempts = 3"), 1);
  make_due();
  EXPECT_EQ(outbox.deliver_pending().value_or(-1), 0);
  EXPECT_EQ(log.calls, 3) << "sent once, never again";
  std::filesystem::remove_all(dir);
}

TEST_F(NotificationDelivery, AfterMaxAttemptsARowIsLeftFailedWithItsError) {
  TestUser ana = user("Ana");
  set_notification_settings(ana, {{"push", false}});  // one row: email
  record(ana, Type::match_new, {{"n", 1}});
  const std::string dir = server_->app().config.notification_dir + "-fail";
  SendLog log;
  notifications::NotificationOutbox outbox(server_->app().db, std::make_unique<ScriptedSender>(dir, log, 1000),
                                           {.max_attempts = 3, .backoff_base = std::chrono::seconds(30)});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(outbox.deliver_pending().value_or(-1), 0);
    exec("UPDATE notification_outbox SET next_attempt_at = now()");
  }
  EXPECT_EQ(log.calls, 3) << "three attempts, then no more";
  EXPECT_EQ(
      count("SELECT count(*) FROM notification_outbox WHERE failed_at IS NOT NULL AND sent_at IS NULL AND attempts = 3 "
            "AND last_error = 'notification-unavailable: the provider answered 503'"),
      1);
  EXPECT_TRUE(files_in(dir).empty());
}

// A row whose every attempt ended the worker before it could record an outcome (a crash, a throw
// that ended its round) was claimed again each time its lease passed, for good: only a recorded
// failure could end it. Claimed more often than max_attempts, it is now failed without a send.
TEST_F(NotificationDelivery, ARowThatNeverGotAnOutcomeIsGivenUpAfterMaxAttempts) {
  TestUser ana = user("Ana");
  set_notification_settings(ana, {{"push", false}});  // one row: email
  record(ana, Type::match_new, {{"n", 1}});
  exec("UPDATE notification_outbox SET attempts = 3");  // three claims, each ended without a word
  const std::string dir = server_->app().config.notification_dir + "-crashing";
  SendLog log;
  notifications::NotificationOutbox outbox(server_->app().db, std::make_unique<ScriptedSender>(dir, log, 0),
                                           {.max_attempts = 3});
  EXPECT_EQ(outbox.deliver_pending().value_or(-1), 0);
  EXPECT_EQ(log.calls, 0) << "a fourth attempt was made";
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE failed_at IS NOT NULL AND last_error LIKE "
                  "'given up: claimed 4 times%'"),
            1);
}

TEST_F(NotificationDelivery, ACrashBetweenSendingAndRecordingNeverMakesASecondCopy) {
  TestUser ana = user("Ana");
  set_notification_settings(ana, {{"email", false}});
  record(ana, Type::match_new, {{"n", 1}});
  const auto id = outbox_ids().at(0);
  const std::string dir = server_->app().config.notification_dir + "-crash";
  SendLog log;
  // The first attempt writes the file and then "crashes" (reports failure as a lost answer would).
  notifications::NotificationOutbox outbox(server_->app().db, std::make_unique<ScriptedSender>(dir, log, 1, true),
                                           {.backoff_base = std::chrono::seconds(30)});
  EXPECT_EQ(outbox.deliver_pending().value_or(-1), 0);
  ASSERT_EQ(files_in(dir), std::vector<std::string>{id});
  const auto before = read_text(std::filesystem::path(dir) / (id + ".json"));

  exec("UPDATE notification_outbox SET next_attempt_at = now()");  // its backoff has passed
  EXPECT_EQ(outbox.deliver_pending().value_or(-1), 1) << "the retry succeeds";
  EXPECT_EQ(files_in(dir), std::vector<std::string>{id}) << "still one copy";
  EXPECT_EQ(read_text(std::filesystem::path(dir) / (id + ".json")), before) << "the delivered copy is left as it was";
  EXPECT_FALSE(temp_files_in(dir));
  std::filesystem::remove_all(dir);
}

TEST_F(NotificationDelivery, ALiveLeaseKeepsOthersOffAndAnExpiredOneIsTakenOver) {
  TestUser ana = user("Ana");
  set_notification_settings(ana, {{"email", false}});
  record(ana, Type::match_new, {{"n", 1}});
  auto& app = server_->app();
  // Another worker claims the row and dies while sending it.
  auto claimed = db::transact(app.db, [&](pqxx::work& tx) -> Result<std::size_t> {
    return notifications::repository::claim(tx, "00000000-0000-4000-8000-000000000001", 10, std::chrono::seconds(300))
        .size();
  });
  ASSERT_EQ(claimed.value_or(0), 1u);

  EXPECT_EQ(app.notification_outbox.deliver_pending().value_or(-1), 0) << "its lease still runs";
  EXPECT_TRUE(files_in(app.config.notification_dir).empty());

  exec("UPDATE notification_outbox SET claimed_until = now() - interval '1 second'");
  EXPECT_EQ(app.notification_outbox.deliver_pending().value_or(-1), 1) << "the lease ran out: taken over";
  EXPECT_EQ(files_in(app.config.notification_dir).size(), 1u);
  EXPECT_EQ(count("SELECT attempts FROM notification_outbox"), 2) << "the dead worker's claim counted as an attempt";
}

TEST_F(NotificationDelivery, TwoWorkersDeliveringAtOnceNeverSendARowTwice) {
  TestUser ana = user("Ana");
  TestUser ben = user("Ben");
  for (int i = 0; i < 20; ++i) {
    record(ana, Type::match_new, {{"n", i}});
    record(ben, Type::like_received, {{"n", i}});
  }
  const auto ids = outbox_ids();
  ASSERT_EQ(ids.size(), 80u);
  const std::string dir = server_->app().config.notification_dir + "-race";
  SendLog log;
  auto worker = [&] {
    // Its own outbox and sender, as a separate worker process would have; small batches and slow
    // sends so the two interleave.
    notifications::NotificationOutbox outbox(
        server_->app().db, std::make_unique<ScriptedSender>(dir, log, 0, false, std::chrono::milliseconds(2)));
    int total = 0;
    for (;;) {
      auto n = outbox.deliver_pending(7);
      EXPECT_TRUE(n.has_value());
      if (!n || *n == 0) break;
      total += *n;
    }
    return total;
  };
  int a = 0, b = 0;
  std::thread first([&] { a = worker(); });
  std::thread second([&] { b = worker(); });
  first.join();
  second.join();

  EXPECT_EQ(a + b, 80);
  EXPECT_GT(a, 0) << "both took part";
  EXPECT_GT(b, 0) << "both took part";
  EXPECT_EQ(log.sends.size(), 80u);
  for (const auto& [id, sends] : log.sends) EXPECT_EQ(sends, 1) << id << " was sent " << sends << " times";
  EXPECT_EQ(files_in(dir).size(), 80u);
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE sent_at IS NOT NULL AND attempts = 1"), 80);
  std::filesystem::remove_all(dir);
}
