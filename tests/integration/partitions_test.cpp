// The audit log and messages are partitioned by month (migrations/0019): partitions are ready
// ahead of time, late rows wait in the default partition and move when their month is made,
// retention drops expired months whole, and a query bounded in time reads only its months.

#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "admin/retention.hpp"
#include "db/pool.hpp"
#include "messaging/repository.hpp"
#include "notifications/repository.hpp"
#include "support/eventually.hpp"
#include "support/stack.hpp"

using namespace pm;

namespace {

int count(pqxx::connection& conn, const std::string& sql) { return pqxx::nontransaction(conn).exec1(sql)[0].as<int>(); }

std::string text(pqxx::connection& conn, const std::string& sql) {
  return pqxx::nontransaction(conn).exec1(sql)[0].as<std::string>();
}

// The name of the partition of `table` holding the month `months` from now (negative: ago).
std::string month_partition(pqxx::connection& conn, int months, const std::string& table = "audit_log") {
  return text(conn, "SELECT '" + table + "_' || to_char((now() + make_interval(months => " + std::to_string(months) +
                        ")) AT TIME ZONE 'UTC', '\"y\"YYYY\"m\"MM')");
}

// What PostgreSQL tells this connection (NOTICE and the like), collected.
class Notices : public pqxx::errorhandler {
 public:
  explicit Notices(pqxx::connection_base& conn) : pqxx::errorhandler(conn) {}
  bool operator()(const char message[]) noexcept override {
    text += message;
    return true;
  }
  std::string text;
};

// The plans of the statements `run` executes, as PostgreSQL ran them (auto_explain, told to this
// connection), each the generic plan a server's prepared or repeated statement gets: the
// repositories' own statements, not copies of them.
std::string plans_of(pqxx::connection& conn, const std::function<void(pqxx::work&)>& run) {
  pqxx::nontransaction(conn).exec(
      "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_level = notice; "
      "SET plan_cache_mode = force_generic_plan");
  Notices notices(conn);
  pqxx::work tx(conn);
  run(tx);
  tx.commit();
  return notices.text;
}

bool exists(pqxx::connection& conn, const std::string& table) {
  return text(conn, "SELECT (to_regclass('" + table + "') IS NOT NULL)::text") == "true";
}

}  // namespace

TEST(Partitions, AuditLogHasThisMonthsAndTheNextThreeAndADefault) {
  test::TestDatabase db;
  auto conn = db.connect();
  EXPECT_EQ(text(conn, "SELECT relkind::text FROM pg_class WHERE relname = 'audit_log'"), "p");
  for (int month = 0; month <= 3; ++month) EXPECT_TRUE(exists(conn, month_partition(conn, month))) << month;
  EXPECT_TRUE(exists(conn, "audit_log_default"));
  // A new row lands in its month's partition, not the default one.
  pqxx::nontransaction(conn).exec("INSERT INTO audit_log (event) VALUES ('sign_in')");
  EXPECT_EQ(text(conn, "SELECT tableoid::regclass::text FROM audit_log"), month_partition(conn, 0));
  // Still append-only, partitions included.
  EXPECT_THROW(pqxx::nontransaction(conn).exec("DELETE FROM audit_log"), pqxx::sql_error);
  const auto this_month = month_partition(conn, 0);
  EXPECT_THROW(pqxx::nontransaction(conn).exec("DELETE FROM " + this_month), pqxx::sql_error);
}

TEST(Partitions, RetentionDropsExpiredMonthsWholeAndKeepsTheRest) {
  test::TestDatabase db;
  auto conn = db.connect();
  // Rows from six months ago, before that month has a partition: they wait in the default one.
  pqxx::nontransaction(conn).exec(
      "INSERT INTO audit_log (event, created_at) SELECT 'sign_in', now() - interval '6 months' FROM "
      "generate_series(1, 5)");
  ASSERT_EQ(count(conn, "SELECT count(*) FROM audit_log_default"), 5);
  // Making that month's partition moves them into it.
  const auto old_month = month_partition(conn, -6);
  pqxx::nontransaction(conn).exec("SELECT pm_create_month_partition('audit_log', now() - interval '6 months')");
  EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log_default"), 0);
  EXPECT_EQ(count(conn, "SELECT count(*) FROM " + old_month), 5);
  pqxx::nontransaction(conn).exec("INSERT INTO audit_log (event) VALUES ('sign_in'), ('sign_out')");

  // The worker's hourly pass, as the app role: the old month goes whole, this month's rows stay,
  // and the months ahead are (still) there.
  db::Pool pool({.url = db.app_url(), .size = 1});
  auto deleted = admin::enforce_retention(pool, 30);
  ASSERT_TRUE(deleted) << deleted.error().detail;
  EXPECT_EQ(deleted->at("audit_log"), 5);
  EXPECT_FALSE(exists(conn, old_month)) << "the expired month's partition is dropped, not emptied row by row";
  EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log"), 2);
  EXPECT_TRUE(exists(conn, month_partition(conn, 3)));
}

TEST(Partitions, AQueryBoundedInTimeReadsOnlyItsMonths) {
  test::TestDatabase db;
  auto conn = db.connect();
  pqxx::nontransaction(conn).exec("INSERT INTO audit_log (event) VALUES ('sign_in')");
  // The entries since the start of this month (UTC): this month's partition, not the months ahead
  // nor the default partition (pruned when the executor starts, as now() is only known then).
  auto plan = pqxx::nontransaction(conn).exec(
      "EXPLAIN (COSTS OFF) SELECT * FROM audit_log "
      "WHERE created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' "
      "AND created_at < now() + interval '1 minute'");
  std::string text_plan;
  for (const auto& row : plan) text_plan += row[0].as<std::string>() + "\n";
  EXPECT_NE(text_plan.find(month_partition(conn, 0)), std::string::npos) << text_plan;
  EXPECT_EQ(text_plan.find(month_partition(conn, 2)), std::string::npos) << "not pruned:\n" << text_plan;
  EXPECT_EQ(text_plan.find("audit_log_default"), std::string::npos) << "not pruned:\n" << text_plan;
}

// A conversation's history (messaging::repository::messages: its WHERE clause, the conversation's
// creation as the lower bound) reads the months since the conversation began, not the months of
// messages before it: pruned when the executor starts, in the generic plan a server's prepared or
// repeated statement gets.
TEST(Partitions, HistoryReadsOnlyTheMonthsSinceTheConversationBegan) {
  test::TestDatabase db;
  auto conn = db.connect();
  pqxx::nontransaction(conn).exec("SELECT pm_create_month_partition('messages', now() - interval '6 months')");
  const auto old_month = month_partition(conn, -6, "messages");
  ASSERT_TRUE(exists(conn, old_month));
  messaging::repository::Conversation began_an_hour_ago{
      .conversation_id = ConversationId("00000000-0000-4000-8000-000000000001"),
      .created_at = text(conn, "SELECT (now() - interval '1 hour')::text")};
  const auto plan = plans_of(conn, [&](pqxx::work& tx) {
    (void)messaging::repository::messages(tx, began_an_hour_ago, std::nullopt, std::nullopt, 50);
  });
  EXPECT_NE(plan.find("Subplans Removed"), std::string::npos) << plan;
  EXPECT_EQ(plan.find(old_month), std::string::npos) << "the month before the conversation is read:\n" << plan;
  EXPECT_NE(plan.find(month_partition(conn, 0, "messages")), std::string::npos) << plan;
}

// Notifications are partitioned too (migrations/0020): retention drops their expired months whole,
// unread ones and their groups included, and keeps this month's.
TEST(Partitions, RetentionDropsExpiredMonthsOfNotifications) {
  test::TestDatabase db;
  auto conn = db.connect();
  EXPECT_EQ(text(conn, "SELECT relkind::text FROM pg_class WHERE relname = 'notifications'"), "p");
  pqxx::nontransaction(conn).exec("SELECT pm_create_month_partition('notifications', now() - interval '6 months')");
  const auto old_month = month_partition(conn, -6, "notifications");
  const auto user = text(conn,
                         "SELECT set_config('pm.system', 'on', false); INSERT INTO users (email, first_name) "
                         "VALUES ('old@example.com', 'Old') RETURNING user_id::text");
  pqxx::nontransaction(conn).exec(
      "BEGIN; "
      "INSERT INTO notifications (notification_id, user_id, type, content, is_read, group_key, created_at) VALUES "
      "('00000000-0000-4000-8000-0000000000a1', '" +
      user +
      "', 'message.new', '{}', false, 'g', now() - interval '6 months'), "
      "('00000000-0000-4000-8000-0000000000a2', '" +
      user +
      "', 'match.new', '{}', true, NULL, now() - interval '6 months'), "
      "('00000000-0000-4000-8000-0000000000a3', '" +
      user +
      "', 'match.new', '{}', false, NULL, now()); "
      "INSERT INTO notification_groups VALUES ('" +
      user +
      "', 'message.new', 'g', "
      "'00000000-0000-4000-8000-0000000000a1', (SELECT created_at FROM notifications WHERE group_key = 'g')); "
      "COMMIT");
  ASSERT_EQ(count(conn, "SELECT count(*) FROM " + old_month), 2);

  db::Pool pool({.url = db.app_url(), .size = 1});
  auto deleted = admin::enforce_retention(pool, 30);
  ASSERT_TRUE(deleted) << deleted.error().detail;
  EXPECT_EQ(deleted->at("notifications"), 2);
  EXPECT_FALSE(exists(conn, old_month)) << "the expired month's partition is dropped, not emptied row by row";
  EXPECT_EQ(count(conn, "SELECT count(*) FROM notifications"), 1) << "this month's stays";
  EXPECT_EQ(count(conn, "SELECT count(*) FROM notification_groups"), 0) << "the old group is closed";
}

// Dropping an expired month locks its table against every insert until its transaction ends: it
// must not be the transaction of the sweep's deletes, which may take minutes with a backlog, or
// every sign-in's audit entry and every notification waited for them once a month.
TEST(Partitions, NewAuditEntriesAndNotificationsAreNotHeldUpWhileTheSweepDeletes) {
  test::TestDatabase db;
  auto conn = db.connect();
  for (const char* table : {"audit_log", "notifications"})
    pqxx::nontransaction(conn).exec(std::string("SELECT pm_create_month_partition('") + table +
                                    "', now() - interval '6 months')");
  pqxx::nontransaction(conn).exec(
      "INSERT INTO audit_log (event, created_at) SELECT 'sign_in', now() - interval '6 months' FROM "
      "generate_series(1, 3)");
  const auto user = text(conn,
                         "SELECT set_config('pm.system', 'on', false); INSERT INTO users (email, first_name) "
                         "VALUES ('old@example.com', 'Old') RETURNING user_id::text");
  pqxx::nontransaction(conn).exec_params(
      "INSERT INTO notifications (user_id, type, content, is_read, created_at) "
      "VALUES ($1, 'match.new', '{}', false, now() - interval '6 months')",
      user);
  db.slow_down("jobs", "BEFORE DELETE", 5);  // the sweep's deletes take a while

  db::Pool pool({.url = db.app_url(), .size = 1});
  std::thread sweep([&] {
    auto deleted = admin::enforce_retention(pool, 30);
    ASSERT_TRUE(deleted) << deleted.error().detail;
    EXPECT_EQ(deleted->at("audit_log"), 3);
    EXPECT_EQ(deleted->at("notifications"), 1);
  });
  auto sweeping = [&] { return count(conn, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'") > 0; };
  EXPECT_TRUE(test::eventually(sweeping)) << "the sweep reached its deletes";
  // Meanwhile a sign-in's entry and a notification are written at once (an error after 1 s else).
  EXPECT_NO_THROW(
      pqxx::nontransaction(conn).exec("SET lock_timeout = '1s'; INSERT INTO audit_log (event) VALUES ('sign_in'); "
                                      "INSERT INTO notifications (user_id, type, content) VALUES ('" +
                                      user + "', 'match.new', '{}'); RESET lock_timeout"));
  EXPECT_TRUE(sweeping()) << "still within the sweep: this test did not test what it says";
  sweep.join();
  EXPECT_FALSE(exists(conn, month_partition(conn, -6))) << "the expired month's partition is dropped";
  EXPECT_FALSE(exists(conn, month_partition(conn, -6, "notifications")));
}

// The list's later pages (notifications::repository::list after a cursor: its WHERE clause) read
// the months up to the cursor, not the months after it.
TEST(Partitions, ANotificationPageReadsOnlyTheMonthsUpToItsCursor) {
  test::TestDatabase db;
  auto conn = db.connect();
  const notifications::Cursor now{
      .created_us = std::stoll(text(conn, "SELECT (extract(epoch FROM now()) * 1000000)::bigint::text")),
      .notification_id = "00000000-0000-4000-8000-000000000002"};
  const auto plan = plans_of(conn, [&](pqxx::work& tx) {
    (void)notifications::repository::list(tx, UserId("00000000-0000-4000-8000-000000000001"), now, 20, false);
  });
  EXPECT_NE(plan.find("Subplans Removed"), std::string::npos) << plan;
  EXPECT_NE(plan.find(month_partition(conn, 0, "notifications")), std::string::npos) << plan;
  EXPECT_EQ(plan.find(month_partition(conn, 2, "notifications")), std::string::npos) << "a later month is read:\n"
                                                                                     << plan;
}
