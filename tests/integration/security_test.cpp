// Defense in depth on the real stack (issue 11, docs/security.md): the server connects as the app
// role (not a superuser, owns nothing, may not change the audit log), the analytics role sees no
// PII or message content, row-level security shows a user only their own rows whatever the query,
// data access is audited, and the worker enforces the activity retention.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/actor.hpp"
#include "db/transaction.hpp"
#include "support/matching_api.hpp"
#include "support/processes.hpp"

using namespace pm;
using Json = nlohmann::json;
using test::Person;

namespace {

class Security : public test::MatchingApi {
 protected:
  // Ana and Ben, Dora and Carl: two active matches, each with a conversation and messages. Ana also
  // has a match with Carl, Dora one with Ben (everyone here matches everyone of the other side).
  void SetUp() override {
    MatchingApi::SetUp();
    ana_ = person("Ana", "woman", "man", 52.51, 13.39);
    ben_ = person("Ben", "man", "woman", 52.52, 13.40);
    dora_ = person("Dora", "woman", "man", 52.50, 13.41);
    carl_ = person("Carl", "man", "woman", 52.53, 13.41);
    ana_ben_ = talk(ana_, ben_, "Hi Ben");
    dora_carl_ = talk(dora_, carl_, "Hi Carl");
  }

  // Both like their match, then each says something: the conversation's id.
  std::string talk(const Person& a, const Person& b, const std::string& text) {
    auto match = match_between(a, b);
    EXPECT_EQ(post(a, "/api/v1/matches/" + match + "/like").status, 200);
    auto liked = post(b, "/api/v1/matches/" + match + "/like");
    EXPECT_EQ(liked.status, 200) << liked.body;
    std::string conversation = liked.json().value("conversation_id", "");
    for (const auto* p : {&a, &b}) {
      auto sent =
          server_->request("POST", "/api/v1/conversations/" + conversation + "/messages",
                           Json{{"client_message_id", "c-" + p->name}, {"content", text}}.dump(), p->user.auth());
      EXPECT_EQ(sent.status, 201) << sent.body;
    }
    return conversation;
  }

  // One value from `sql`, run as the app role with pm.user_id = `user_id` ("" for nobody) or, with
  // `system`, as the system: what the server's transactions see.
  long long as_app(const std::string& sql, const std::string& user_id, bool system = false) {
    pqxx::connection conn(db_.app_url());
    pqxx::work tx(conn);
    tx.exec_params("SELECT set_config('pm.user_id', $1, true), set_config('pm.system', $2, true)", user_id,
                   system ? "on" : "off");
    return tx.exec(sql)[0][0].as<long long>();
  }

  // An SQL error's text when `sql` fails as `role` (SET ROLE from the superuser), else "".
  std::string error_as(const std::string& role, const std::string& sql) {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec("SET LOCAL ROLE " + tx.quote_name(role));
    try {
      tx.exec(sql);
      return "";
    } catch (const pqxx::sql_error& e) {
      return e.what();
    }
  }

  Person ana_, ben_, dora_, carl_;
  std::string ana_ben_, dora_carl_;
};

}  // namespace

TEST_F(Security, TheServerConnectsAsTheAppRoleThatIsNoSuperuserAndOwnsNothing) {
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  auto sessions = q.exec_params(
      "SELECT DISTINCT a.usename::text, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls "
      "FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid "
      "WHERE a.datname = $1 AND a.application_name = 'perfectmatch'",
      db_.name());
  ASSERT_EQ(sessions.size(), 1u) << "every server connection is one role";
  EXPECT_EQ(sessions[0][0].as<std::string>(), "pm_app");
  for (int i = 1; i <= 4; ++i) EXPECT_FALSE(sessions[0][i].as<bool>()) << "attribute " << i;

  for (const char* owned : {"SELECT count(*) FROM pg_class WHERE relowner = 'pm_app'::regrole",
                            "SELECT count(*) FROM pg_proc WHERE proowner = 'pm_app'::regrole",
                            "SELECT count(*) FROM pg_namespace WHERE nspowner = 'pm_app'::regrole",
                            "SELECT count(*) FROM pg_database WHERE datdba = 'pm_app'::regrole"})
    EXPECT_EQ(q.exec(owned)[0][0].as<int>(), 0) << owned;
  // The tables belong to the owner role, which ran the migrations.
  EXPECT_EQ(q.exec("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'messages'")[0][0].as<std::string>(),
            "pm_owner");

  // No DDL, no TRUNCATE.
  EXPECT_NE(error_as("pm_app", "CREATE TABLE sneaky (x int)"), "");
  EXPECT_NE(error_as("pm_app", "ALTER TABLE users ADD COLUMN sneaky int"), "");
  EXPECT_NE(error_as("pm_app", "DROP TABLE messages"), "");
  EXPECT_NE(error_as("pm_app", "TRUNCATE messages"), "");
  EXPECT_NE(error_as("pm_app", "ALTER TABLE messages DISABLE ROW LEVEL SECURITY"), "");
}

TEST_F(Security, TheAuditLogIsAppendOnly) {
  EXPECT_EQ(error_as("pm_app", "INSERT INTO audit_log (event) VALUES ('sign_in')"), "");
  EXPECT_EQ(error_as("pm_app", "SELECT count(*) FROM audit_log"), "");
  for (const char* change : {"UPDATE audit_log SET event = 'sign_in'", "DELETE FROM audit_log", "TRUNCATE audit_log"})
    EXPECT_NE(error_as("pm_app", change), "") << change;
  // The trigger stops every role, even the owner and a superuser, short of the retention function.
  for (const char* role : {"pm_owner", "pm"})
    for (const char* change : {"UPDATE audit_log SET event = 'sign_in'", "DELETE FROM audit_log"})
      EXPECT_NE(error_as(role, change).find("append-only"), std::string::npos) << role << ": " << change;
  // Nor through the retention function, which the app role may run: it keeps at least 30 days
  // (before, pm_enforce_retention(1) erased everything older than a day), and the sweep it runs is
  // the owner's alone.
  EXPECT_NE(error_as("pm_app", "SELECT * FROM pm_enforce_retention(1)").find("at least 30 days"), std::string::npos);
  EXPECT_NE(error_as("pm_app", "SELECT * FROM pm_enforce_retention(29)").find("at least 30 days"), std::string::npos);
  EXPECT_NE(error_as("pm_app", "SELECT * FROM pm_retention_sweep(1)").find("permission denied"), std::string::npos);
  EXPECT_EQ(error_as("pm_app", "SELECT * FROM pm_enforce_retention(30)"), "");
}

TEST_F(Security, TheAnalyticsRoleReadsNoPiiAndNoMessageContent) {
  for (const char* hidden :
       {"SELECT email FROM users", "SELECT last_name FROM users", "SELECT password_hash FROM users",
        "SELECT * FROM users", "SELECT content FROM messages", "SELECT payload FROM email_outbox",
        "SELECT content FROM notifications", "SELECT token_hash FROM auth_tokens", "SELECT ip FROM audit_log",
        "SELECT payload FROM jobs"})
    EXPECT_NE(error_as("pm_analytics", hidden).find("permission denied"), std::string::npos) << hidden;
  for (const char* readable :
       {"SELECT user_id, gender, birth_date FROM users", "SELECT message_id, conversation_id, sent_at FROM messages",
        "SELECT match_id, compatibility_score FROM matches", "SELECT event, created_at FROM audit_log",
        "SELECT kind, status, created_at FROM jobs"})
    EXPECT_EQ(error_as("pm_analytics", readable), "") << readable;
  EXPECT_NE(error_as("pm_analytics", "INSERT INTO audit_log (event) VALUES ('sign_in')"), "");
  EXPECT_NE(error_as("pm_analytics", "UPDATE users SET bio = 'x'"), "");
  // Every row of what it may see (row-level security lets it read, never write).
  auto conn = db_.connect();
  pqxx::work tx(conn);
  tx.exec("SET LOCAL ROLE pm_analytics");
  EXPECT_EQ(tx.exec("SELECT count(*) FROM (SELECT message_id FROM messages) m")[0][0].as<int>(), 4);
}

TEST_F(Security, RowLevelSecurityShowsAUserOnlyTheirOwnRows) {
  const std::string& ana = ana_.user.user_id;
  // Each pair's match opened (its insights are written then).
  for (const auto* p : {&ana_, &dora_}) {
    const Json list = matches_of(*p);
    ASSERT_FALSE(list["matches"].empty());
    for (const auto& m : list["matches"])
      ASSERT_EQ(get(*p, "/api/v1/matches/" + m["match_id"].get<std::string>()).status, 200);
  }
  // Queries that forget their WHERE.
  EXPECT_EQ(as_app("SELECT count(*) FROM messages", "", true), 4);
  EXPECT_EQ(as_app("SELECT count(*) FROM messages", ana), 2);
  EXPECT_EQ(as_app("SELECT count(*) FROM messages m JOIN conversations c USING (conversation_id) "
                   "JOIN matches mt USING (match_id) WHERE $$" +
                       ana + "$$ NOT IN (mt.user_id_1, mt.user_id_2)",
                   "", true),
            2)
      << "the system sees the others' messages";
  EXPECT_EQ(as_app("SELECT count(*) FROM messages WHERE conversation_id <> '" + ana_ben_ + "'", ana), 0);
  EXPECT_EQ(as_app("SELECT count(*) FROM message_documents", ana), 2);
  EXPECT_EQ(as_app("SELECT count(*) FROM conversations", ana), 1);
  EXPECT_EQ(as_app("SELECT count(*) FROM conversations", "", true), 2);

  const std::string not_anas = "WHERE '" + ana + "' NOT IN (user_id_1, user_id_2)";
  EXPECT_GE(as_app("SELECT count(*) FROM matches", ana), 2);
  EXPECT_EQ(as_app("SELECT count(*) FROM matches " + not_anas, ana), 0);
  EXPECT_GT(as_app("SELECT count(*) FROM matches " + not_anas, "", true), 0);
  EXPECT_GT(as_app("SELECT count(*) FROM compatibility_insight_documents", ana), 0);
  EXPECT_EQ(as_app("SELECT count(*) FROM compatibility_insight_documents " + not_anas, ana), 0);
  EXPECT_GT(as_app("SELECT count(*) FROM compatibility_insight_documents " + not_anas, "", true), 0);
  for (const char* by_match : {"compatibility_insights", "match_attributes"}) {
    const std::string others = std::string("SELECT count(*) FROM ") + by_match +
                               " x JOIN matches m USING (match_id) WHERE '" + ana +
                               "' NOT IN (m.user_id_1, m.user_id_2)";
    EXPECT_GT(as_app(std::string("SELECT count(*) FROM ") + by_match, ana), 0) << by_match;
    EXPECT_EQ(as_app(others, ana), 0) << by_match;
    EXPECT_GT(as_app(others, "", true), 0) << by_match;
  }

  for (const char* own : {"notifications", "answers", "questionnaire_responses", "user_vectors", "subscription_details",
                          "user_preferences"}) {
    const std::string others = std::string("SELECT count(*) FROM ") + own + " WHERE user_id <> '" + ana + "'";
    EXPECT_GT(as_app(std::string("SELECT count(*) FROM ") + own, ana), 0) << own;
    EXPECT_GT(as_app(others, "", true), 0) << own;
    if (std::string(own) != "user_preferences") {  // part of a profile: below
      EXPECT_EQ(as_app(others, ana), 0) << own;
    }
  }

  // Profiles: one's own, those one has a match with (Ben, Carl), public ones; not Dora's (a woman
  // like Ana, so no match; her profile is "matches only") until she makes it public.
  const std::string& dora = dora_.user.user_id;
  for (const char* profile : {"users", "user_preferences", "profile_media"}) {
    const std::string of = std::string("SELECT count(*) FROM ") + profile + " WHERE user_id = ";
    EXPECT_EQ(as_app(of + "'" + ana + "'", ana), as_app(of + "'" + ana + "'", "", true)) << profile;
    EXPECT_EQ(as_app(of + "'" + ben_.user.user_id + "'", ana), as_app(of + "'" + ben_.user.user_id + "'", "", true))
        << profile;
    EXPECT_EQ(as_app(of + "'" + dora + "'", ana), 0) << profile;
  }
  EXPECT_EQ(as_app("SELECT count(*) FROM users", ana), 3);
  {
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec0("UPDATE users SET profile_visibility = 'public' WHERE user_id = '" + dora + "'");
  }
  EXPECT_EQ(as_app("SELECT count(*) FROM users", ana), 4);
  EXPECT_EQ(server_->request("GET", "/api/v1/users/" + dora, "", ana_.user.auth()).status, 200);

  // Nobody (a transaction that said no user): no user's row at all, and no write.
  for (const char* table : {"users", "messages", "matches", "notifications", "answers", "conversations"})
    EXPECT_EQ(as_app(std::string("SELECT count(*) FROM ") + table, ""), 0) << table;
  EXPECT_THROW(as_app("WITH x AS (INSERT INTO notifications (user_id, type, content) VALUES ('" + ben_.user.user_id +
                          "', 'x', '{}') RETURNING 1) SELECT count(*) FROM x",
                      ana),
               pqxx::sql_error)
      << "a user cannot write another's notification";
  EXPECT_EQ(as_app("WITH x AS (UPDATE users SET bio = 'hacked' WHERE user_id <> '" + ana +
                       "' RETURNING 1) SELECT count(*) FROM x",
                   ana),
            0)
      << "nor change another's profile";
}

// The views modules publish to each other (migrations/0029) show a user what the tables beneath
// show them: they run as their caller, under the same policies, and the analytics role, which
// reads the tables column by column, is granted none of them (user_profiles holds the email).
TEST_F(Security, ThePublishedViewsShowAUserOnlyWhatTheTablesDo) {
  const std::string& ana = ana_.user.user_id;
  EXPECT_EQ(as_app("SELECT count(*) FROM pg_class c WHERE relkind = 'v' AND relnamespace = 'public'::regnamespace "
                   "AND NOT coalesce('security_invoker=true' = ANY(reloptions), false) "
                   "AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')",
                   "", true),
            0)
      << "a view of ours that runs as its owner (PostGIS's and pg_stat_statements' are theirs)";
  EXPECT_GE(as_app("SELECT count(*) FROM pg_class WHERE relkind = 'v' AND 'security_invoker=true' = ANY(reloptions)",
                   "", true),
            12);
  EXPECT_EQ(as_app("SELECT count(*) FROM conversation_messages", ana), 2);
  EXPECT_EQ(as_app("SELECT count(*) FROM conversation_messages", "", true), 4);
  EXPECT_EQ(as_app("SELECT count(*) FROM match_pairs WHERE '" + ana + "' NOT IN (user_id_1, user_id_2)", ana), 0);
  EXPECT_EQ(as_app("SELECT count(*) FROM match_conversations", ana), 1);
  EXPECT_EQ(as_app("SELECT count(*) FROM user_profiles", ana), 3) << "as users: own, matched, public";
  EXPECT_EQ(as_app("SELECT count(*) FROM plan_standings WHERE user_id <> '" + ana + "'", ana), 0);
  // A report and a block, so that the last two views below have rows to hide.
  auto doras = dora_.user.auth();
  doras.emplace_back("Content-Type", "application/json");
  ASSERT_EQ(
      server_
          ->request("POST", "/api/v1/users/" + carl_.user.user_id + "/report", Json{{"reason", "spam"}}.dump(), doras)
          .status,
      201);
  ASSERT_EQ(server_->request("POST", "/api/v1/users/" + carl_.user.user_id + "/block", "", dora_.user.auth()).status,
            204);
  for (const char* view : {"user_profiles", "match_pairs", "conversation_messages", "blocked_pairs", "report_queue"}) {
    EXPECT_GT(as_app(std::string("SELECT count(*) FROM ") + view, "", true), 0) << view << ": the system sees rows";
    EXPECT_EQ(as_app(std::string("SELECT count(*) FROM ") + view, ""), 0) << view << ": nobody sees a row";
  }
  EXPECT_EQ(as_app("WITH x AS (UPDATE user_profiles SET bio = 'hacked' WHERE user_id <> '" + ana +
                       "' RETURNING 1) SELECT count(*) FROM x",
                   ana),
            0)
      << "nor changes another's profile through it";
  EXPECT_NE(error_as("pm_analytics", "SELECT email FROM user_profiles").find("permission denied"), std::string::npos);
}

TEST_F(Security, DataAccessIsAudited) {
  const std::string& ana = ana_.user.user_id;
  const std::string& ben = ben_.user.user_id;
  auto with_id = [&](const std::string& request_id) {
    auto h = ana_.user.auth();
    h.emplace_back("X-Request-Id", request_id);
    h.emplace_back("X-Forwarded-For", "203.0.113.7");
    return h;
  };
  ASSERT_EQ(server_->request("GET", "/api/v1/users/" + ben, "", with_id("view-ben-1")).status, 200);
  ASSERT_EQ(server_->request("GET", "/api/v1/matches/" + match_between(ana_, carl_), "", with_id("match-carl")).status,
            200);
  ASSERT_EQ(server_->request("GET", "/api/v1/me/export", "", with_id("export-1")).status, 200);
  ASSERT_EQ(server_
                ->request("POST", "/api/v1/users/" + carl_.user.user_id + "/report", Json{{"reason", "spam"}}.dump(),
                          with_id("report-1"))
                .status,
            201);
  ASSERT_EQ(server_->request("POST", "/api/v1/users/" + ben + "/block", "", with_id("block-1")).status, 204);
  ASSERT_EQ(server_->request("DELETE", "/api/v1/users/" + ben + "/block", "", with_id("unblock-1")).status, 204);
  ASSERT_EQ(server_->request("GET", "/api/v1/users/" + ana, "", with_id("view-self")).status, 200);

  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  auto rows = q.exec_params(
      "SELECT event, coalesce(subject_id::text, ''), request_id, host(ip) FROM audit_log "
      "WHERE user_id = $1 AND event NOT IN ('signup', 'sign_in') ORDER BY audit_id",
      ana);
  std::vector<std::vector<std::string>> got;
  for (const auto& r : rows)
    got.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>()});
  std::vector<std::vector<std::string>> want = {{"profile_view", ben, "view-ben-1", "203.0.113.7"},
                                                {"profile_view", carl_.user.user_id, "match-carl", "203.0.113.7"},
                                                {"data_export", "", "export-1", "203.0.113.7"},
                                                {"report", carl_.user.user_id, "report-1", "203.0.113.7"},
                                                {"block", ben, "block-1", "203.0.113.7"},
                                                {"unblock", ben, "unblock-1", "203.0.113.7"}};
  EXPECT_EQ(got, want) << "one's own profile is no access to log";

  ASSERT_EQ(server_->request("DELETE", "/api/v1/me", "", with_id("delete-1")).status, 204);
  EXPECT_EQ(q.exec_params("SELECT count(*) FROM audit_log WHERE user_id = $1 AND event = 'account_deletion' "
                          "AND request_id = 'delete-1'",
                          ana)[0][0]
                .as<int>(),
            1);
}

// A view is recorded once per ten minutes per pair: a page reloaded in a loop wrote a row each
// time, without bound; who looked at whom, and when, stays.
TEST_F(Security, RepeatedViewsOfOneProfileAreRecordedOncePerTenMinutes) {
  const std::string& ana = ana_.user.user_id;
  const std::string& ben = ben_.user.user_id;
  const std::string& carl = carl_.user.user_id;
  auto views_of = [&](const std::string& subject) {
    return count(
        "SELECT count(*) FROM audit_log WHERE user_id = '" + ana + "' AND event = 'profile_view' AND subject_id = $1",
        subject);
  };
  {  // Ana's view of Ben eleven minutes ago (the log is append-only: a row written old)
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec_params0(
        "INSERT INTO audit_log (user_id, event, subject_id, created_at) "
        "VALUES ($1, 'profile_view', $2, now() - interval '11 minutes')",
        ana, ben);
  }
  for (int i = 0; i < 5; ++i) ASSERT_EQ(get(ana_, "/api/v1/users/" + ben).status, 200);
  EXPECT_EQ(views_of(ben), 2) << "the old view and one of the five";

  const std::string carl_match = match_between(ana_, carl_);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get(ana_, "/api/v1/matches/" + carl_match).status, 200);
  ASSERT_EQ(get(ana_, "/api/v1/users/" + carl).status, 200);
  EXPECT_EQ(views_of(carl), 1) << "the match's page and the profile are views of the same person";
  EXPECT_EQ(views_of(ben), 2);
}

// The sweep ran under a request's statement timeout: a backlog that took longer to delete (the
// first sweep of a big table, a shorter retention) rolled it back every round, and nothing was
// ever deleted again. Here every deletion from jobs takes longer than the timeout.
TEST_F(Security, ARetentionSweepLongerThanARequestsTimeoutStillDeletes) {
  {
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec(
        "INSERT INTO audit_log (event, created_at) VALUES ('sign_in', now() - interval '45 days')");
  }
  db_.slow_down("jobs", "BEFORE DELETE", 1.5);
  auto run = test::run_command(test::process_env(config_) +
                               "PM_ACTIVITY_RETENTION_DAYS=30 PM_DB_STATEMENT_TIMEOUT_MS=1000 timeout 60 " +
                               test::binary_path() + " worker --once");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto conn = db_.connect();
  EXPECT_EQ(pqxx::nontransaction(conn)
                .exec("SELECT count(*) FROM audit_log WHERE created_at < now() - interval '30 days'")[0][0]
                .as<int>(),
            0)
      << run.output;
}

TEST_F(Security, TheWorkerDeletesActivityOlderThanTheRetention) {
  auto conn = db_.connect();
  {
    pqxx::work tx(conn);
    const std::string& ana = ana_.user.user_id;
    // Old and recent of each kind; only the old ones go (30 days here).
    for (const char* age : {"45 days", "5 days"}) {
      const std::string at = std::string("now() - interval '") + age + "'";
      tx.exec("INSERT INTO audit_log (event, created_at) VALUES ('sign_in', " + at + ")");
      tx.exec("INSERT INTO jobs (kind, status, finished_at, created_at) VALUES ('old', 'done', " + at + ", " + at +
              ")");
      tx.exec_params(
          "INSERT INTO auth_tokens (token_hash, user_id, purpose, expires_at, used_at, created_at) "
          "VALUES (md5(random()::text), $1, 'verify_email', " +
              at + ", " + at + ", " + at + ")",
          ana);
      tx.exec_params(
          "INSERT INTO email_outbox (user_id, payload, sent_at, created_at) VALUES ($1, 'x', " + at + ", " + at + ")",
          ana);
      tx.exec_params(
          "INSERT INTO notifications (user_id, type, content, is_read, created_at) "
          "VALUES ($1, 'retention.test', '{}', true, " +
              at + ")",
          ana);
    }
    // Unread notifications and pending jobs stay whatever their age.
    tx.exec_params(
        "INSERT INTO notifications (user_id, type, content, is_read, created_at) "
        "VALUES ($1, 'retention.test', '{}', false, now() - interval '400 days')",
        ana);
    tx.exec("INSERT INTO jobs (kind, status, created_at) VALUES ('old', 'pending', now() - interval '400 days')");
    // Payment events, system rows only (row-level security): one received 45 days ago, one 5.
    tx.exec("SELECT set_config('pm.system', 'on', true)");
    for (const char* age : {"45 days", "5 days"})
      tx.exec(
          fmt::format("INSERT INTO payment_events (event_id, provider, event_type, created_at, received_at, outcome) "
                      "VALUES ('evt_retention_{0}', 'sandbox', 'invoice.paid', now() - interval '{0}', "
                      "now() - interval '{0}', 'applied')",
                      age));
    // Bounced addresses (by their blind index): one set aside 45 days ago is tried again.
    for (const char* age : {"45 days", "5 days"})
      tx.exec(
          fmt::format("INSERT INTO email_bounces (email_index, bounced_at, reason) "
                      "VALUES ('retention-{0}', now() - interval '{0}', '550 5.1.1')",
                      age));
    tx.exec("SELECT set_config('pm.system', 'off', true)");
    // Reports' words: once either account is deleted, kept 30 days as evidence, at once gone when
    // both are; between two accounts that still exist, kept.
    const std::string a = tx.quote(ana) + "::uuid", b = tx.quote(ben_.user.user_id) + "::uuid", gone = "NULL";
    for (const auto& [reporter, reported, age, words] :
         {std::tuple{gone, gone, "5 days", "both gone"}, std::tuple{a, gone, "45 days", "old, gone"},
          std::tuple{a, gone, "5 days", "recent, gone"}, std::tuple{a, b, "400 days", "still here"},
          std::tuple{gone, b, "45 days", "old, reporter gone"}, std::tuple{gone, b, "5 days", "recent, reporter gone"}})
      tx.exec(
          fmt::format("INSERT INTO user_reports (reporter_id, reported_id, reason, details, created_at) "
                      "VALUES ({}, {}, 'scam', '{}', now() - interval '{}')",
                      reporter, reported, words, age));
    tx.commit();
  }
  auto old_rows = [&] {
    pqxx::nontransaction q(conn);
    return q
        .exec(
            "SELECT (SELECT count(*) FROM audit_log WHERE created_at < now() - interval '30 days') + "
            "(SELECT count(*) FROM jobs WHERE kind = 'old' AND status = 'done' AND created_at < now() - interval '30 "
            "days') + "
            "(SELECT count(*) FROM auth_tokens WHERE created_at < now() - interval '30 days') + "
            "(SELECT count(*) FROM email_outbox WHERE created_at < now() - interval '30 days') + "
            "(SELECT count(*) FROM notifications WHERE type = 'retention.test' AND is_read "
            " AND created_at < now() - interval '30 days')")[0][0]
        .as<int>();
  };
  auto kept = [&](const std::string& sql) { return pqxx::nontransaction(conn).exec(sql)[0][0].as<int>(); };
  ASSERT_EQ(old_rows(), 5);
  // The file senders' mails and notifications, one written 45 days ago and one now in each folder.
  namespace fs = std::filesystem;
  std::vector<fs::path> old_files, new_files;
  for (const auto& [dir, suffix] : {std::pair{config_.mail_dir, ".eml"}, {config_.notification_dir, ".json"}}) {
    fs::create_directories(dir);
    for (const char* name : {"old", "new"}) {
      const auto path = fs::path(dir) / (std::string("retention-") + name + suffix);
      std::ofstream(path) << "an address, a link";
      (name == std::string("old") ? old_files : new_files).push_back(path);
    }
    fs::last_write_time(old_files.back(), fs::file_time_type::clock::now() - std::chrono::hours(24 * 45));
  }
  const int recent_audit = kept("SELECT count(*) FROM audit_log WHERE created_at > now() - interval '30 days'");

  auto run = test::run_command(test::process_env(config_) + "PM_ACTIVITY_RETENTION_DAYS=30 timeout 60 " +
                               test::binary_path() + " worker --once");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(old_rows(), 0);
  for (const auto& f : old_files) EXPECT_FALSE(fs::exists(f)) << f << " outlived the retention";
  for (const auto& f : new_files) EXPECT_TRUE(fs::exists(f)) << f << " went before its time";
  EXPECT_EQ(kept("SELECT count(*) FROM audit_log WHERE created_at > now() - interval '30 days'"), recent_audit);
  EXPECT_EQ(kept("SELECT count(*) FROM jobs WHERE kind = 'old'"), 2) << "the recent done job and the pending one";
  EXPECT_EQ(kept("SELECT count(*) FROM payment_events WHERE event_id LIKE 'evt_retention_%' AND received_at < now() - "
                 "interval '30 days'"),
            0);
  EXPECT_EQ(kept("SELECT count(*) FROM payment_events WHERE event_id LIKE 'evt_retention_%'"), 1);
  EXPECT_EQ(kept("SELECT count(*) FROM email_bounces WHERE email_index LIKE 'retention-%'"), 1)
      << "a bounce older than the retention still sets the address aside for good";
  EXPECT_EQ(kept("SELECT count(*) FROM notifications WHERE type = 'retention.test'"), 2)
      << "the recent read one and the unread one";
  EXPECT_EQ(kept("SELECT count(*) FROM email_outbox WHERE payload = 'x'"), 1);
  EXPECT_EQ(kept("SELECT count(*) FROM user_reports WHERE reason = 'scam'"), 6) << "the reports themselves stay";
  std::set<std::string> words;
  for (const auto& r : pqxx::nontransaction(conn).exec("SELECT details FROM user_reports WHERE details IS NOT NULL"))
    words.insert(r[0].as<std::string>());
  EXPECT_EQ(words, (std::set<std::string>{"recent, gone", "still here", "recent, reporter gone"}));
}

// AsSystem counted itself before its statement ran: one that threw (its transaction had already
// failed) left its thread's count at 1 for good, and every later AsSystem on that thread ran as
// the caller, its writes on others' behalf refused or matching nothing.
TEST_F(Security, AnAsSystemThatFailedLeavesTheNextOneTheSystem) {
  auto& app = server_->app();
  actor::Scope user(actor::Scope::user(ana_.user.id()));
  {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    try {
      tx.exec("SELECT 1 / 0");
    } catch (const pqxx::sql_error&) {
    }
    EXPECT_ANY_THROW(db::AsSystem system(tx)) << "the transaction has failed: its statement throws";
  }
  auto seen = db::transact(app.db, [&](pqxx::work& tx) -> Result<long long> {
    db::AsSystem system(tx);
    return tx.exec("SELECT count(*) FROM messages")[0][0].as<long long>();
  });
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(*seen, 4) << "the system sees both pairs' messages; the caller alone sees 2";
}

TEST_F(Security, TransactSaysWhoseEachTransactionIs) {
  auto& app = server_->app();
  auto count_messages = [&] {
    return db::transact(app.db, [](pqxx::work& tx) -> Result<long long> {
      return tx.exec("SELECT count(*) FROM messages")[0][0].as<long long>();
    });
  };
  {
    actor::Scope user(actor::Scope::user(ana_.user.id()));
    EXPECT_EQ(count_messages(), 2);
    // Inside one transaction, a write on another's behalf as the system, then the caller again.
    auto seen = db::transact(app.db, [&](pqxx::work& tx) -> Result<std::pair<long long, long long>> {
      long long as_system = 0;
      {
        db::AsSystem system(tx);
        as_system = tx.exec("SELECT count(*) FROM messages")[0][0].as<long long>();
      }
      return std::pair{as_system, tx.exec("SELECT count(*) FROM messages")[0][0].as<long long>()};
    });
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(*seen, (std::pair<long long, long long>{4, 2}));
  }
  {
    actor::Scope nobody(actor::Scope::request("req-1", "192.0.2.1"));
    EXPECT_EQ(count_messages(), 0) << "a request before its guard sees no user's rows";
    actor::Scope system(actor::Scope::system());
    EXPECT_EQ(count_messages(), 4);
    EXPECT_EQ(actor::current().request_id, "req-1") << "the system keeps the request's id for the audit log";
  }
  EXPECT_EQ(count_messages(), 4) << "App makes the system the default of its threads";
}
