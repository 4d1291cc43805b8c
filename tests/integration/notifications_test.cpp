// The Notification Service over real HTTP on the real stores: the list (newest first, cursor
// pages, unread filter, unread_count), read and read-all, privacy between users, the user's
// notification_settings (types and channels), and coalescing of message.new.

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "db/transaction.hpp"
#include "support/notification_api.hpp"

using namespace pm;
using Json = nlohmann::json;
using notifications::Type;
using test::TestUser;
using Notifications = test::NotificationApi;

namespace {
std::vector<std::string> ids_of(const std::vector<Json>& items) {
  std::vector<std::string> out;
  for (const auto& n : items) out.push_back(n["notification_id"]);
  return out;
}
}  // namespace

TEST_F(Notifications, TheListIsNewestFirstAndCursorPagesCoverItExactlyOnce) {
  TestUser ana = user("Ana");
  std::vector<std::string> recorded;  // oldest first
  for (int i = 0; i < 4; ++i)
    recorded.push_back((*record(ana, Type::match_new, {{"match_id", crypto::uuid_v4()}, {"n", i}}))["notification_id"]);
  // Three in one transaction share created_at exactly: the id breaks the tie, and pages must
  // neither skip nor repeat any of them.
  auto& app = server_->app();
  ASSERT_TRUE(db::transact(app.db, [&](pqxx::work& tx) -> Result<bool> {
                for (int i = 0; i < 3; ++i) {
                  auto n = app.notifications.record(tx, ana.id(), Type::like_received, {{"n", i}});
                  recorded.push_back((*n)["notification_id"]);
                }
                return true;
              }).has_value());

  auto first = list(ana, "?limit=2");
  ASSERT_EQ(first["notifications"].size(), 2u);
  EXPECT_EQ(first["unread_count"], 7);
  EXPECT_TRUE(first["next_cursor"].is_string());
  const auto& n = first["notifications"][0];
  EXPECT_EQ(n["is_read"], false);
  EXPECT_TRUE(n["created_at"].get<std::string>().ends_with("Z"));
  EXPECT_TRUE(n["content"].is_object());

  for (int limit : {1, 2, 3, 7, 100}) {
    auto pages = all_pages(ana, limit);
    ASSERT_EQ(pages.size(), 7u) << "limit " << limit;
    auto ids = ids_of(pages);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 7u) << "no notification twice, limit " << limit;
    for (std::size_t i = 1; i < pages.size(); ++i)
      EXPECT_GE(pages[i - 1]["created_at"].get<std::string>(), pages[i]["created_at"].get<std::string>())
          << "newest first";
    // The four recorded one by one come last, in reverse order of recording.
    EXPECT_EQ(std::vector<std::string>(ids.end() - 4, ids.end()),
              (std::vector<std::string>{recorded[3], recorded[2], recorded[1], recorded[0]}));
  }
  EXPECT_TRUE(list(ana, "?limit=100")["next_cursor"].is_null());
  EXPECT_EQ(list(ana)["notifications"].size(), 7u) << "the default page holds 20";
}

TEST_F(Notifications, ReadAndReadAllAndTheUnreadFilter) {
  TestUser ana = user("Ana");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back((*record(ana, Type::match_new, {{"n", i}}))["notification_id"]);

  auto read = post(ana, "/api/v1/notifications/" + ids[1] + "/read");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json()["notification_id"], ids[1]);
  EXPECT_EQ(read.json()["is_read"], true);
  // Reading again is harmless; an id in upper case is the same notification.
  std::string upper = ids[1];
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(post(ana, "/api/v1/notifications/" + upper + "/read").status, 200);

  auto all = list(ana);
  EXPECT_EQ(all["unread_count"], 2);
  EXPECT_EQ(all["notifications"].size(), 3u);
  auto unread = list(ana, "?unread=true");
  EXPECT_EQ(ids_of(unread["notifications"]), (std::vector<std::string>{ids[2], ids[0]}));
  EXPECT_EQ(unread["unread_count"], 2);
  EXPECT_EQ(list(ana, "?unread=false")["notifications"].size(), 3u);
  auto unread_pages = all_pages(ana, 1, "&unread=true");
  EXPECT_EQ(ids_of(unread_pages), (std::vector<std::string>{ids[2], ids[0]}));

  auto read_all = post(ana, "/api/v1/notifications/read-all");
  ASSERT_EQ(read_all.status, 200) << read_all.body;
  EXPECT_EQ(read_all.json()["marked_read"], 2);
  EXPECT_EQ(list(ana)["unread_count"], 0);
  EXPECT_TRUE(list(ana, "?unread=true")["notifications"].empty());
  EXPECT_EQ(post(ana, "/api/v1/notifications/read-all").json()["marked_read"], 0);
}

TEST_F(Notifications, AnotherUsersNotificationIsNotFoundAndNeverListed) {
  TestUser ana = user("Ana");
  TestUser ben = user("Ben");
  const std::string bens = (*record(ben, Type::match_new, {{"secret", "for Ben"}}))["notification_id"];
  record(ana, Type::match_new, {{"for", "Ana"}});

  auto theirs = post(ana, "/api/v1/notifications/" + bens + "/read");
  EXPECT_EQ(theirs.status, 404);
  EXPECT_EQ(theirs.header("content-type"), "application/problem+json");
  auto absent = post(ana, "/api/v1/notifications/" + crypto::uuid_v4() + "/read");
  EXPECT_EQ(absent.status, 404);
  EXPECT_EQ(theirs.json()["detail"], absent.json()["detail"]) << "someone else's looks exactly like none";
  EXPECT_EQ(post(ana, "/api/v1/notifications/not-a-uuid/read").status, 404);
  EXPECT_EQ(list(ben)["unread_count"], 1) << "Ana's attempt left Ben's notification unread";

  auto anas = list(ana);
  ASSERT_EQ(anas["notifications"].size(), 1u);
  EXPECT_EQ(anas["notifications"][0]["content"]["for"], "Ana");
  EXPECT_EQ(anas.dump().find("for Ben"), std::string::npos);
  EXPECT_EQ(post(ana, "/api/v1/notifications/read-all").json()["marked_read"], 1);
  EXPECT_EQ(list(ben)["unread_count"], 1) << "read-all is the caller's own";

  EXPECT_EQ(server_->request("GET", "/api/v1/notifications").status, 401);
  EXPECT_EQ(server_->request("POST", "/api/v1/notifications/read-all").status, 401);
  EXPECT_EQ(server_->request("POST", "/api/v1/notifications/" + bens + "/read").status, 401);
}

TEST_F(Notifications, BadParametersAre400NamingTheParameter) {
  TestUser ana = user("Ana");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"limit=0", "limit"},
      {"limit=101", "limit"},
      {"limit=ten", "limit"},
      {"limit=5x", "limit"},
      {"limit=", "limit"},
      {"cursor=garbage", "cursor"},
      {"cursor=12_not-a-uuid", "cursor"},
      {"cursor=-5_" + crypto::uuid_v4(), "cursor"},
      {"cursor=99999999999999999999_" + crypto::uuid_v4(), "cursor"},
      {"unread=yes", "unread"},
      {"unread=1", "unread"}};
  for (const auto& [query, field] : cases) {
    auto res = get(ana, "/api/v1/notifications?" + query);
    EXPECT_EQ(res.status, 400) << query;
    EXPECT_EQ(res.header("content-type"), "application/problem+json") << query;
    if (res.status != 400) continue;
    auto body = res.json();
    EXPECT_EQ(body["type"], "/problems/validation-failed") << query;
    EXPECT_EQ(body["errors"][0]["field"], field) << query;
    EXPECT_NE(body["detail"].get<std::string>().find(field), std::string::npos) << query;
  }
  // A well-formed cursor past everything is simply an empty page.
  auto far = list(ana, "?cursor=0_" + crypto::uuid_v4());
  EXPECT_TRUE(far["notifications"].empty());
}

TEST_F(Notifications, SettingsTurnATypeOffAndChannelsOff) {
  TestUser ana = user("Ana");
  // Defaults: every type, both channels.
  auto first = record(ana, Type::match_new, {{"n", 1}});
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE notification_id = $1", (*first)["notification_id"]),
            2);

  set_notification_settings(ana, {{"new_match", false}});
  EXPECT_FALSE(record(ana, Type::match_new, {{"n", 2}}).has_value()) << "a type turned off is not recorded";
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE user_id = $1", ana.user_id), 1);
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE user_id = $1", ana.user_id), 2);
  EXPECT_TRUE(record(ana, Type::like_received, {{"n", 3}}).has_value()) << "other types stay on";
  EXPECT_FALSE(record_coalesced(ana, Type::match_new, "g", {{"n", 4}}).has_value()) << "coalesced ones obey it too";

  set_notification_settings(ana, {{"new_match", true}, {"email", false}});
  auto push_only = record(ana, Type::match_new, {{"n", 5}});
  ASSERT_TRUE(push_only.has_value());
  EXPECT_EQ(deliveries(*push_only, "push"), 1);
  EXPECT_EQ(deliveries(*push_only, "email"), 0);

  set_notification_settings(ana, {{"push", false}});
  auto in_app_only = record(ana, Type::subscription_changed, {{"plan_type", "premium"}});
  ASSERT_TRUE(in_app_only.has_value()) << "with both channels off the notification is still listed";
  EXPECT_EQ(
      count("SELECT count(*) FROM notification_outbox WHERE notification_id = $1", (*in_app_only)["notification_id"]),
      0);
  EXPECT_EQ(list(ana)["notifications"][0]["type"], "subscription.changed");
}

// Anyone can sign up with anyone's address, and a match with a second account of one's own makes
// likes and messages at will: each was a mail to that address, which nobody had proven. The email
// channel now waits for the proof; the app and push are the account's own.
TEST_F(Notifications, MailGoesOnlyToAnAddressItsOwnerHasProven) {
  TestUser eve = test::sign_up(*server_, test::unique_email("victim"), "Eve");  // not proven
  auto unproven = record(eve, Type::like_received, {{"n", 1}});
  ASSERT_TRUE(unproven.has_value()) << "listed in the app all the same";
  EXPECT_EQ(deliveries(*unproven, "email"), 0);
  EXPECT_EQ(deliveries(*unproven, "push"), 1);
  const std::string group = crypto::uuid_v4();
  auto folded = record_coalesced(eve, Type::message_new, group, {{"conversation_id", group}, {"preview", "hi"}});
  ASSERT_TRUE(folded.has_value());
  EXPECT_EQ(deliveries(*folded, "email"), 0) << "coalesced ones too";

  test::prove_address(*server_, eve);
  auto proven = record(eve, Type::like_received, {{"n", 2}});
  ASSERT_TRUE(proven.has_value());
  EXPECT_EQ(deliveries(*proven, "email"), 1);
}

TEST_F(Notifications, MessagesCoalesceIntoOneUnreadNotificationPerConversation) {
  TestUser ana = user("Ana");
  const std::string conversation = crypto::uuid_v4(), other = crypto::uuid_v4();
  std::string id;
  for (int i = 1; i <= 3; ++i) {
    auto n = record_coalesced(ana, Type::message_new, conversation,
                              {{"conversation_id", conversation}, {"preview", "message " + std::to_string(i)}});
    ASSERT_TRUE(n.has_value());
    if (i == 1) id = (*n)["notification_id"];
    EXPECT_EQ((*n)["notification_id"], id) << "the same notification, updated";
    EXPECT_EQ((*n)["content"]["count"], i);
  }
  record_coalesced(ana, Type::message_new, other, {{"conversation_id", other}, {"preview", "elsewhere"}});

  auto page = list(ana);
  ASSERT_EQ(page["notifications"].size(), 2u);
  EXPECT_EQ(page["unread_count"], 2);
  const auto& folded = page["notifications"][1];
  EXPECT_EQ(folded["notification_id"], id);
  EXPECT_EQ(folded["type"], "message.new");
  EXPECT_EQ(folded["content"]["count"], 3);
  EXPECT_EQ(folded["content"]["preview"], "message 3") << "the newest preview";
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE notification_id = $1", id), 2)
      << "one delivery per channel for the three messages, not three";

  // Once read, the next message is news again: a new notification, delivered again.
  ASSERT_EQ(post(ana, "/api/v1/notifications/" + id + "/read").status, 200);
  auto next = record_coalesced(ana, Type::message_new, conversation,
                               {{"conversation_id", conversation}, {"preview", "message 4"}});
  ASSERT_TRUE(next.has_value());
  EXPECT_NE((*next)["notification_id"], id);
  EXPECT_EQ((*next)["content"]["count"], 1);
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE notification_id = $1", (*next)["notification_id"]),
            2);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE group_key = $1", conversation), 2)
      << "the read one and the new one";
  EXPECT_EQ(list(ana)["notifications"][0]["notification_id"], (*next)["notification_id"]) << "newest first";
}

// Marking a notification read locked it, then its group; a message folding into it locks the
// group, then the notification. When the two met, PostgreSQL broke the deadlock by aborting one:
// the reader's request failed, or the writer's batch (every recipient's message notifications).
// The writer is held here between its two steps (its group claimed, the notification not yet
// touched) while the notification is read.
TEST_F(Notifications, ReadingANotificationWhileAMessageFoldsIntoItFailsNeither) {
  TestUser ana = user("Ana");
  const std::string conversation = crypto::uuid_v4();
  auto first =
      record_coalesced(ana, Type::message_new, conversation, {{"conversation_id", conversation}, {"preview", "one"}});
  ASSERT_TRUE(first.has_value());
  const std::string id = (*first)["notification_id"];

  db_.slow_down("notification_groups", "AFTER UPDATE", 1.5);  // after the claim, holding the group
  auto folding = std::async(std::launch::async, [&] {
    return record_coalesced(ana, Type::message_new, conversation,
                            {{"conversation_id", conversation}, {"preview", "two"}});
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'") ==
             0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto read = post(ana, "/api/v1/notifications/" + id + "/read");
  auto folded = folding.get();

  EXPECT_EQ(read.status, 200) << read.body;
  ASSERT_TRUE(folded.has_value()) << "the message's notification was lost";
  EXPECT_EQ((*folded)["notification_id"], id) << "folded into the unread one, which the read then marked";
  EXPECT_EQ((*folded)["content"]["count"], 2);
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE notification_id = $1 AND is_read", id), 1);
  EXPECT_EQ(count("SELECT count(*) FROM notification_groups"), 0) << "a read notification leaves its group";
}

TEST_F(Notifications, ARolledBackChangeLeavesNoNotificationAndNoDelivery) {
  TestUser ana = user("Ana");
  auto& app = server_->app();
  auto r = db::transact(app.db, [&](pqxx::work& tx) -> Result<bool> {
    EXPECT_TRUE(app.notifications.record(tx, ana.id(), Type::match_new, {{"n", 1}}).has_value());
    return std::unexpected(Problem("internal", "the caller's change failed"));
  });
  EXPECT_FALSE(r.has_value());
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE user_id = $1", ana.user_id), 0);
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE user_id = $1", ana.user_id), 0);
}

// Notifications are partitioned by month (migrations/0020): coalescing moves the notification's
// created_at to now, and at a month's turn that moves its row into the next month's partition.
// The fold moves the group's created_at with it (0032), so the next message still folds into the
// same notification.
TEST_F(Notifications, CoalescingFollowsTheNotificationIntoTheNextMonth) {
  TestUser ana = user("Ana");
  const std::string conversation = crypto::uuid_v4();
  auto first = record_coalesced(ana, Type::message_new, conversation, {{"preview", "in October"}});
  ASSERT_TRUE(first.has_value());
  const std::string id = (*first)["notification_id"];
  // As if it had arrived 40 days ago: its row moves to that month's partition (or the default one),
  // and its group says so, as the fold that moved it there would have written.
  exec("WITH moved AS (UPDATE notifications SET created_at = now() - interval '40 days' WHERE notification_id = '" +
       id +
       "' RETURNING created_at) UPDATE notification_groups SET created_at = (SELECT created_at FROM moved) "
       "WHERE notification_id = '" +
       id + "'");
  auto second = record_coalesced(ana, Type::message_new, conversation, {{"preview", "in November"}});
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ((*second)["notification_id"], id) << "the same notification, moved into this month";
  EXPECT_EQ((*second)["content"]["count"], 2);
  auto page = list(ana);
  ASSERT_EQ(page["notifications"].size(), 1u);
  EXPECT_EQ(page["notifications"][0]["content"]["preview"], "in November");
  EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE notification_id = $1 AND created_at > now() - interval "
                  "'1 minute'",
                  id),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM notification_groups g JOIN notifications n USING (notification_id, created_at) "
                  "WHERE n.notification_id = $1",
                  id),
            1)
      << "the group moved with its notification";
  auto third = record_coalesced(ana, Type::message_new, conversation, {{"preview", "later in November"}});
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ((*third)["notification_id"], id) << "and still finds it";
  EXPECT_EQ((*third)["content"]["count"], 3);
}

// A group whose notification went some other way than being read (no key ties the two since 0032)
// does not swallow the next message: it gets a new notification, listed and delivered.
TEST_F(Notifications, AGroupWhoseNotificationIsGoneStartsANewOne) {
  TestUser ana = user("Ana");
  const std::string conversation = crypto::uuid_v4();
  auto first = record_coalesced(ana, Type::message_new, conversation, {{"preview", "first"}});
  ASSERT_TRUE(first.has_value());
  exec("DELETE FROM notifications WHERE user_id = '" + ana.user_id + "'");
  exec("DELETE FROM notification_outbox WHERE user_id = '" + ana.user_id + "'");
  ASSERT_EQ(count("SELECT count(*) FROM notification_groups WHERE user_id = $1", ana.user_id), 1);

  auto second = record_coalesced(ana, Type::message_new, conversation, {{"preview", "second"}});
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ((*second)["content"]["count"], 1) << "a new notification, not a fold into nothing";
  auto page = list(ana);
  ASSERT_EQ(page["notifications"].size(), 1u);
  EXPECT_EQ(page["notifications"][0]["content"]["preview"], "second");
  EXPECT_EQ(page["unread_count"], 1);
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE user_id = $1", ana.user_id), 2)
      << "delivered on each channel, as a new one is";
  auto third = record_coalesced(ana, Type::message_new, conversation, {{"preview", "third"}});
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ((*third)["notification_id"], (*second)["notification_id"]) << "and the group folds into it again";
  EXPECT_EQ((*third)["content"]["count"], 2);
}

// Writers of one group take turns (its row in notification_groups is their lock): eight messages
// at once still make one unread notification counting eight, and one delivery per channel.
TEST_F(Notifications, MessagesArrivingAtOnceFoldIntoOneNotification) {
  TestUser ana = user("Ana");
  const std::string conversation = crypto::uuid_v4();
  constexpr int kWriters = 8;
  std::vector<std::thread> writers;
  std::atomic<int> recorded = 0;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([&, i] {
      if (record_coalesced(ana, Type::message_new, conversation, {{"preview", "message " + std::to_string(i)}}))
        ++recorded;
    });
  for (auto& w : writers) w.join();
  ASSERT_EQ(recorded, kWriters);
  auto page = list(ana);
  ASSERT_EQ(page["notifications"].size(), 1u);
  EXPECT_EQ(page["notifications"][0]["content"]["count"], kWriters);
  EXPECT_EQ(count("SELECT count(*) FROM notification_outbox WHERE user_id = $1", ana.user_id), 2);
}
