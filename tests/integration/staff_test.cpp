// Staff and moderation over real HTTP on the real stores: roles only from the command line, the
// authorization matrix of every admin route, the reports queue with what was reported, and each
// action (dismiss, warn, suspend, ban, remove a photo) with its effects and its audit entry.

#include <cctype>

#include <future>
#include <set>

#include <gtest/gtest.h>

#include "auth/restrictions.hpp"
#include "staff/service.hpp"
#include "support/fixtures.hpp"
#include "support/matching_api.hpp"
#include "support/processes.hpp"
#include "support/ws_client.hpp"

using namespace pm;
using Json = nlohmann::json;
using test::Person;

namespace {

class Staff : public test::MatchingApi {
 protected:
  void grant(const Person& p, const std::string& role) {
    auto granted = server_->app().staff.grant_role(p.user.email, staff::role_from(role));
    ASSERT_TRUE(granted) << granted.error().detail;
  }
  test::HttpResult as(const Person& p, const std::string& method, const std::string& path, const Json& body = nullptr) {
    auto headers = p.user.auth();
    if (!body.is_null()) headers.emplace_back("Content-Type", "application/json");
    return server_->request(method, path, body.is_null() ? "" : body.dump(), headers);
  }
  // Ben reports Ana (with details) after they matched and talked; returns the report id.
  std::string report(const Person& by, const Person& whom, const std::string& details = "She asked for money.") {
    auto res =
        as(by, "POST", "/api/v1/users/" + whom.user.user_id + "/report", {{"reason", "scam"}, {"details", details}});
    EXPECT_EQ(res.status, 201) << res.body;
    return res.status == 201 ? res.json()["report_id"].get<std::string>() : "";
  }
  std::string talk(const Person& a, const Person& b, const std::string& text) {
    const std::string id = match_between(a, b);
    EXPECT_EQ(post(a, "/api/v1/matches/" + id + "/like").status, 200);
    auto liked = post(b, "/api/v1/matches/" + id + "/like");
    EXPECT_EQ(liked.status, 200);
    const std::string conversation = liked.json()["conversation_id"];
    auto sent = as(a, "POST", "/api/v1/conversations/" + conversation + "/messages",
                   {{"client_message_id", "m1"}, {"content", text}});
    EXPECT_EQ(sent.status / 100, 2) << sent.body;
    return conversation;
  }
  int audit(const std::string& event, const std::string& actor, const std::string& subject) {
    auto conn = db_.connect();
    pqxx::nontransaction q(conn);
    // actor "": an operator's command (no user).
    return q
        .exec_params1(
            "SELECT count(*) FROM audit_log WHERE event = $1 AND subject_id = $3::uuid "
            "AND (user_id::text = $2 OR ($2 = '' AND user_id IS NULL))",
            event, actor, subject)[0]
        .as<int>();
  }
  // The worker's step that ends restricted accounts' sessions (auth/restrictions.hpp).
  void run_session_purges() {
    auto ran = server_->app().auth.end_queued_sessions(50);
    EXPECT_TRUE(ran) << ran.error().detail;
  }
  test::HttpResult sign_in(const Person& p) {
    return server_->request("POST", "/api/v1/auth/login",
                            Json{{"email", p.user.email}, {"password", p.user.password}}.dump(),
                            {{"Content-Type", "application/json"}, {"X-Forwarded-For", test::unique_client_ip()}});
  }
};

}  // namespace

// Every admin route, with a body that would be valid: who may call each.
TEST_F(Staff, OnlyStaffReachTheAdminRoutesAndOnlyAdminsGrantPlans) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  Person mod = person("Mo", "man", "woman", 48.1, 11.5, "always", "any", false);
  Person boss = person("Bo", "man", "woman", 48.1, 11.5, "always", "any", false);
  grant(mod, "moderator");
  grant(boss, "admin");
  const std::string rid = report(mod, ana);
  const std::string some_uuid = "6f1c1b1e-0000-4000-8000-000000000000";
  struct Route {
    std::string method, path;
    Json body;
    bool admin_only;
  };
  const std::vector<Route> routes = {
      {"GET", "/api/v1/admin/reports", nullptr, false},
      {"GET", "/api/v1/admin/reports/" + some_uuid, nullptr, false},
      {"POST", "/api/v1/admin/reports/" + some_uuid + "/actions", {{"action", "dismiss"}}, false},
      {"GET", "/api/v1/admin/users?email=" + ana.user.email, nullptr, false},
      {"POST", "/api/v1/admin/users/" + ana.user.user_id + "/plan", {{"plan_id", "premium"}, {"days", 30}}, true},
      {"GET", "/api/v1/admin/audit?user_id=" + ana.user.user_id, nullptr, true},
      // Feature flags: admins only (tests/integration/flags_test.cpp has their behaviour).
      {"GET", "/api/v1/admin/feature-flags", nullptr, true},
      {"GET", "/api/v1/admin/feature-flags/matrix_flag", nullptr, true},
      {"PUT", "/api/v1/admin/feature-flags/matrix_flag", {{"enabled", true}}, true},
      {"DELETE", "/api/v1/admin/feature-flags/matrix_flag", nullptr, true},
  };
  // The documented admin routes are exactly these (openapi_test checks the server serves those).
  std::size_t served = 0;
  for (const auto& [method, pattern] : server_->app().router.routes())
    if (pattern.starts_with("/api/v1/admin/")) ++served;
  EXPECT_EQ(served, routes.size()) << "a new admin route belongs in this matrix";

  for (const auto& r : routes) {
    auto signed_out = server_->request(r.method, r.path, r.body.is_null() ? "" : r.body.dump(),
                                       {{"Content-Type", "application/json"}});
    EXPECT_EQ(signed_out.status, 401) << r.method << " " << r.path;
    auto user = as(ana, r.method, r.path, r.body);
    EXPECT_EQ(user.status, 403) << r.method << " " << r.path << ": " << user.body;
    EXPECT_EQ(user.json()["type"], "/problems/staff-only");
    auto moderator = as(mod, r.method, r.path, r.body);
    if (r.admin_only) {
      EXPECT_EQ(moderator.status, 403) << "a moderator cannot grant plans: " << r.path;
    } else {
      EXPECT_NE(moderator.status, 403) << r.method << " " << r.path << ": " << moderator.body;
      EXPECT_LT(moderator.status, 500) << moderator.body;
    }
    auto admin = as(boss, r.method, r.path, r.body);
    EXPECT_NE(admin.status, 403) << r.method << " " << r.path << ": " << admin.body;
    EXPECT_LT(admin.status, 500) << admin.body;
  }
  (void)rid;
  // A plan granted by an admin: in force at once, audited with its actor.
  auto sub = get(ana, "/api/v1/subscription").json();
  EXPECT_EQ(sub["plan_id"], "premium");
  EXPECT_EQ(sub["in_force"], true);
  EXPECT_EQ(sub["payment_method"], "comp");
  EXPECT_EQ(sub["can_cancel"], false) << "no provider charges a plan staff gave";
  EXPECT_EQ(audit("plan_granted", boss.user.user_id, ana.user.user_id), 1);
  // No HTTP route makes staff: the role is only the command's.
  for (const auto& [method, pattern] : server_->app().router.routes())
    EXPECT_EQ(pattern.find("role"), std::string::npos) << pattern;
}

// What the web app asks to decide whether to show the console's link: one's own role, nobody
// else's (the route takes no user), and nothing signed out.
TEST_F(Staff, EveryoneLearnsTheirOwnStaffRoleAndNoOneElses) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  Person mod = person("Mo", "man", "woman", 48.1, 11.5, "always", "any", false);
  Person boss = person("Bo", "man", "woman", 48.1, 11.5, "always", "any", false);
  grant(mod, "moderator");
  grant(boss, "admin");
  EXPECT_EQ(get(ana, "/api/v1/me/staff").json(), (Json{{"staff_role", nullptr}}));
  EXPECT_EQ(get(mod, "/api/v1/me/staff").json(), (Json{{"staff_role", "moderator"}}));
  EXPECT_EQ(get(boss, "/api/v1/me/staff").json(), (Json{{"staff_role", "admin"}}));
  EXPECT_EQ(get(ana, "/api/v1/me/staff?user_id=" + boss.user.user_id).json()["staff_role"], nullptr)
      << "a query names no one else";
  EXPECT_EQ(server_->request("GET", "/api/v1/me/staff", "", {}).status, 401);
  auto revoked = server_->app().staff.grant_role(mod.user.email, std::nullopt);
  ASSERT_TRUE(revoked) << revoked.error().detail;
  EXPECT_EQ(get(mod, "/api/v1/me/staff").json()["staff_role"], nullptr) << "a revoked role is gone at once";
}

// An admin reads one user's trail: what they did and what was done to them, newest first, in
// pages, without IP addresses; the reading is recorded too; bad parameters are 400s.
TEST_F(Staff, AnAdminReadsOneUsersAuditTrailAndTheReadingIsAudited) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40, "always", "any", false);
  Person boss = person("Bo", "man", "woman", 48.1, 11.5, "always", "any", false);
  grant(boss, "admin");
  ASSERT_EQ(as(boss, "POST", "/api/v1/admin/users/" + ana.user.user_id + "/plan", {{"plan_id", "premium"}, {"days", 7}})
                .status,
            200);
  ASSERT_EQ(as(ben, "POST", "/api/v1/users/" + ana.user.user_id + "/block").status, 204);

  auto page = as(boss, "GET", "/api/v1/admin/audit?user_id=" + ana.user.user_id);
  ASSERT_EQ(page.status, 200) << page.body;
  const Json entries = page.json()["entries"];
  ASSERT_GE(entries.size(), 3u) << entries.dump();  // her sign-up, the plan, the block (and more of her own)
  EXPECT_EQ(entries[0]["event"], "block") << "newest first";
  EXPECT_EQ(entries[0]["actor_id"], ben.user.user_id);
  EXPECT_EQ(entries[0]["subject_id"], ana.user.user_id);
  EXPECT_EQ(entries[1]["event"], "plan_granted");
  EXPECT_EQ(entries[1]["actor_id"], boss.user.user_id);
  EXPECT_EQ(entries[1]["details"]["plan_id"], "premium");
  for (const auto& e : entries) {
    EXPECT_FALSE(e.contains("ip")) << "no addresses";
    EXPECT_TRUE(e["actor_id"] == ana.user.user_id || e["subject_id"] == ana.user.user_id) << e.dump();
  }
  // Pages of one cover the same entries, each once (leaving out the readings themselves, which
  // each page adds to her trail as it goes).
  std::vector<std::string> paged;
  std::string before;
  for (int i = 0; i < 50; ++i) {
    auto p =
        as(boss, "GET",
           "/api/v1/admin/audit?limit=1&user_id=" + ana.user.user_id + (before.empty() ? "" : "&before=" + before));
    ASSERT_EQ(p.status, 200) << p.body;
    const Json body = p.json();
    for (const auto& e : body["entries"])
      if (e["event"] != "staff_audit_view") paged.push_back(e["audit_id"]);
    if (body["next_before"].is_null()) break;
    before = body["next_before"];
  }
  std::vector<std::string> all;
  for (const auto& e : entries) all.push_back(e["audit_id"]);
  EXPECT_EQ(paged, all);
  EXPECT_GE(audit("staff_audit_view", boss.user.user_id, ana.user.user_id), 1) << "the reading is recorded";

  const std::vector<std::string> bad_queries = {"", "?user_id=ana", "?user_id=" + ana.user.user_id + "&limit=0",
                                                "?user_id=" + ana.user.user_id + "&before=x"};
  for (const auto& query : bad_queries) {
    auto bad = as(boss, "GET", "/api/v1/admin/audit" + query);
    EXPECT_EQ(bad.status, 400) << query << ": " << bad.body;
  }
}

TEST_F(Staff, RolesAndCompPlansComeFromTheCommandLine) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  const std::string env = test::process_env(config_);
  auto bad = test::run_command(env + test::binary_path() + " admin grant " + ana.user.email + " emperor");
  EXPECT_NE(bad.exit_code, 0);
  auto unknown = test::run_command(env + test::binary_path() + " admin grant nobody@example.com moderator");
  EXPECT_NE(unknown.exit_code, 0) << unknown.output;
  auto granted = test::run_command(env + test::binary_path() + " admin grant " + ana.user.email + " moderator");
  ASSERT_EQ(granted.exit_code, 0) << granted.output;
  EXPECT_EQ(as(ana, "GET", "/api/v1/admin/reports").status, 200);
  EXPECT_EQ(audit("staff_role_granted", "", ana.user.user_id), 1);
  auto revoked = test::run_command(env + test::binary_path() + " admin grant " + ana.user.email + " none");
  ASSERT_EQ(revoked.exit_code, 0) << revoked.output;
  EXPECT_EQ(as(ana, "GET", "/api/v1/admin/reports").status, 403);

  auto plan =
      test::run_command(env + test::binary_path() + " admin grant-plan " + ana.user.email + " premium --days 7");
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_EQ(get(ana, "/api/v1/subscription").json()["entitlements"]["rewind"], true);
  auto no_plan = test::run_command(env + test::binary_path() + " admin grant-plan " + ana.user.email + " gold");
  EXPECT_NE(no_plan.exit_code, 0);
}

TEST_F(Staff, TheQueueShowsWhatWasReportedAndADismissalClosesIt) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  Person mod = person("Mo", "man", "woman", 48.1, 11.5, "always", "any", false);
  grant(mod, "moderator");
  talk(ana, ben, "Send me 500 euros and I will visit.");
  const std::string rid = report(ben, ana);

  auto queue = as(mod, "GET", "/api/v1/admin/reports");
  ASSERT_EQ(queue.status, 200) << queue.body;
  ASSERT_EQ(queue.json()["reports"].size(), 1u);
  EXPECT_EQ(queue.json()["reports"][0]["report_id"], rid);
  EXPECT_EQ(queue.json()["reports"][0]["details"], "She asked for money.");
  EXPECT_EQ(queue.json()["reports"][0]["reported_name"], "Ana") << "the queue names whom each report is about";
  EXPECT_EQ(queue.json()["reports"][0]["resolved_by_name"], nullptr);
  EXPECT_EQ(audit("staff_reports_listed", mod.user.user_id, ana.user.user_id), 1)
      << "the queue shows the reporter's words: who read them is recorded";

  auto one = as(mod, "GET", "/api/v1/admin/reports/" + rid);
  ASSERT_EQ(one.status, 200) << one.body;
  auto reported = one.json()["reported"];
  EXPECT_EQ(reported["profile"]["user_id"], ana.user.user_id);
  EXPECT_EQ(reported["profile"]["first_name"], "Ana");
  ASSERT_EQ(reported["messages"].size(), 1u) << reported.dump();
  EXPECT_EQ(reported["messages"][0]["content"], "Send me 500 euros and I will visit.");
  EXPECT_EQ(audit("staff_report_view", mod.user.user_id, ana.user.user_id), 1);

  EXPECT_EQ(as(mod, "GET", "/api/v1/admin/reports/not-a-uuid").status, 404);
  EXPECT_EQ(as(mod, "GET", "/api/v1/admin/reports?status=weird").status, 400);
  EXPECT_EQ(as(mod, "POST", "/api/v1/admin/reports/" + rid + "/actions", {{"action", "explode"}}).status, 400);
  EXPECT_EQ(as(mod, "POST", "/api/v1/admin/reports/" + rid + "/actions", {{"action", "suspend"}}).status, 400)
      << "suspend needs days";
  EXPECT_EQ(as(mod, "POST", "/api/v1/admin/reports/" + rid + "/actions", "not an object").status, 400);

  auto dismissed = as(mod, "POST", "/api/v1/admin/reports/" + rid + "/actions", {{"action", "dismiss"}});
  ASSERT_EQ(dismissed.status, 200) << dismissed.body;
  EXPECT_EQ(dismissed.json()["status"], "dismissed");
  EXPECT_EQ(dismissed.json()["resolved_by"], mod.user.user_id);
  EXPECT_EQ(dismissed.json()["resolved_by_name"], "Mo") << "and a decision who made it";
  EXPECT_TRUE(as(mod, "GET", "/api/v1/admin/reports").json()["reports"].empty());
  EXPECT_EQ(as(mod, "GET", "/api/v1/admin/reports?status=dismissed").json()["reports"].size(), 1u);
  auto again = as(mod, "POST", "/api/v1/admin/reports/" + rid + "/actions", {{"action", "ban"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.json()["type"], "/problems/report-resolved");
  EXPECT_EQ(audit("report_dismissed", mod.user.user_id, ana.user.user_id), 1);
}

TEST_F(Staff, ASuspensionEndsSessionsAndSocketsRefusesSignInAndMatching) {
  // Ana has completed the questionnaire (so she could be matched), Ben not yet.
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40, "always", "any", false);
  Person mod = person("Mo", "man", "woman", 48.1, 11.5, "always", "any", false);
  grant(mod, "moderator");
  const std::string rid = report(ben, ana);
  test::WsClient socket(server_->port(), ana.user.token);
  ASSERT_TRUE(socket.is_open());

  auto suspended = as(mod, "POST", "/api/v1/admin/reports/" + rid + "/actions",
                      {{"action", "suspend"}, {"days", 7}, {"note", "scam"}});
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  EXPECT_EQ(suspended.json()["resolution"], "suspend");
  EXPECT_EQ(get(ana, "/api/v1/me").status, 401) << "every session ended";
  EXPECT_EQ(get(ana, "/api/v1/subscription").status, 401);
  EXPECT_EQ(get(ana, "/api/v1/likes/received").status, 401);
  EXPECT_EQ(post(ana, "/api/v1/matches/rewind").status, 401);
  EXPECT_EQ(get(ana, "/api/v1/me/staff").status, 401);
  EXPECT_EQ(socket.wait_closed(), 1008) << "and every socket";
  auto refused = sign_in(ana);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.json()["type"], "/problems/account-suspended");
  EXPECT_FALSE(refused.json().value("suspended_until", "").empty());
  EXPECT_EQ(audit("user_suspended", mod.user.user_id, ana.user.user_id), 1);
  // Her log (staff's trail of her, her export) says the sign-in was refused, not that she signed in.
  constexpr const char* after_suspension =
      "SELECT count(*) FROM audit_log WHERE user_id = $1::uuid AND event = {} AND audit_id > "
      "(SELECT max(audit_id) FROM audit_log WHERE event = 'user_suspended')";
  EXPECT_EQ(count(fmt::format(fmt::runtime(after_suspension), "'sign_in'"), ana.user.user_id), 0);
  EXPECT_EQ(count(fmt::format(fmt::runtime(after_suspension),
                              "'sign_in_failed' AND details->>'refused' = 'account-suspended'"),
                  ana.user.user_id),
            1);

  // Out of matching: Ben completes his questionnaire and gets no match with her.
  ASSERT_EQ(post(ben, "/api/v1/questionnaire/complete").status, 200);
  run_worker_pass();
  EXPECT_TRUE(matches_of(ben, "?status=all")["matches"].empty());

  // When it ends, she can sign in again.
  auto conn = db_.connect();
  pqxx::nontransaction(conn).exec_params0(
      "UPDATE users SET suspended_until = now() - interval '1 second' WHERE user_id = $1", ana.user.user_id);
  EXPECT_EQ(sign_in(ana).status, 200);
}

// A suspension's purge after its commit is not the only one: the job it queued in the same
// transaction ends, in the worker, whatever session the account still holds (Redis failed at the
// purge, or a sign-in raced the suspension and made one after it); a session made once the
// suspension is over is left alone.
TEST_F(Staff, TheWorkerEndsASessionThatOutlivedASuspensionsPurge) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40, "always", "any", false);
  Person mod = person("Mo", "man", "woman", 48.1, 11.5, "always", "any", false);
  grant(mod, "moderator");
  const std::string rid = report(ben, ana);
  ASSERT_EQ(as(mod, "POST", "/api/v1/admin/reports/" + rid + "/actions", {{"action", "suspend"}, {"days", 3}}).status,
            200);
  // The session the purge missed, made as a raced sign-in makes it.
  auto& sessions = server_->app().sessions;
  auto missed = sessions.create(UserId(ana.user.user_id), {"raced", "203.0.113.9"});
  ASSERT_TRUE(missed);
  ASSERT_EQ(sessions.list(UserId(ana.user.user_id))->size(), 1u);
  run_session_purges();
  EXPECT_TRUE(sessions.list(UserId(ana.user.user_id))->empty()) << "the worker ended it";
  EXPECT_EQ(server_->request("GET", "/api/v1/me", "", {{"Authorization", "Bearer " + *missed}}).status, 401);

  // Over before its purge ran (the job failed and waited): the sessions made since stay.
  const std::string second = report(ben, ana, "Again.");
  ASSERT_EQ(
      as(mod, "POST", "/api/v1/admin/reports/" + second + "/actions", {{"action", "suspend"}, {"days", 1}}).status,
      200);
  auto conn = db_.connect();
  pqxx::nontransaction(conn).exec_params0(
      "UPDATE users SET suspended_until = now() - interval '1 second' WHERE user_id = $1", ana.user.user_id);
  ASSERT_EQ(sign_in(ana).status, 200);
  run_session_purges();
  EXPECT_EQ(sessions.list(UserId(ana.user.user_id))->size(), 1u) << "her sign-in after the suspension stays";
}

namespace {

// With a Redis of its own, which a test can make refuse every command.
class StaffOnItsOwnRedis : public Staff {
 protected:
  void configure(Config& c) override {
    c.redis_url = redis_.url();
    c.redis_timeout = std::chrono::milliseconds(300);
  }
  // Makes the queued purges due now, as the retries' waits would.
  void purges_due() {
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec0("UPDATE jobs SET run_after = now() WHERE kind = 'end_restricted_sessions'");
  }
  test::RedisServer redis_;  // constructed before SetUp runs configure()
};

}  // namespace

// A purge that meets a Redis outage waits it out, however many tries that takes: an outage longer
// than every job's five attempts does not leave a suspended account its sessions.
TEST_F(StaffOnItsOwnRedis, ASuspensionsSessionsEndHoweverLongRedisWasAway) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40, "always", "any", false);
  const UserId ana_id(ana.user.user_id), ben_id(ben.user.user_id);
  {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    auth::suspend(tx, ana_id, 3);  // queues the purge; the moderator's own purge is not run
    auth::suspend(tx, ben_id, 3);
    tx.commit();
  }
  auto purges_of_both = [&](const std::string& status) {
    return count("SELECT count(*) FROM jobs WHERE kind = 'end_restricted_sessions' AND status = '" + status +
                     "' AND payload->>'user_id' IN ($1, '" + ben.user.user_id + "')",
                 ana.user.user_id);
  };
  ASSERT_EQ(server_->app().sessions.list(ana_id)->size(), 1u);
  redis_.refuse_commands();
  for (int attempt = 1; attempt <= 7; ++attempt) {
    purges_due();
    auto ran = server_->app().auth.end_queued_sessions(50);
    ASSERT_TRUE(ran) << ran.error().detail;
    EXPECT_EQ(*ran, 2) << "attempt " << attempt << ": both purges are taken again";
    // Once Redis failed, the rest of the batch waits unasked (a Redis that times out would hold the
    // worker up once per job).
    EXPECT_EQ(redis_.rejected_calls("del"), attempt) << "attempt " << attempt;
  }
  EXPECT_EQ(purges_of_both("pending"), 2) << "still waiting, not failed";
  redis_.accept_commands();
  purges_due();
  run_session_purges();
  auto left = server_->app().sessions.list(ana_id);
  ASSERT_TRUE(left);
  EXPECT_TRUE(left->empty()) << "her session ended";
  EXPECT_EQ(purges_of_both("done"), 2);
  EXPECT_TRUE(server_->app().sessions.list(ben_id)->empty()) << "his too";
}

// A moderator cannot clear a report about themselves, nor punish whoever reported them; suspending
// or banning staff (or removing their photo) takes an admin, and an admin's account is out of reach
// of suspensions and bans.
TEST_F(Staff, NoOneActsOnAReportTheyArePartOfAndOnlyAnAdminSuspendsStaff) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  Person mod = person("Mo", "man", "woman", 48.1, 11.5, "always", "any", false);
  Person other_mod = person("Ola", "woman", "man", 48.2, 11.6, "always", "any", false);
  Person boss = person("Bo", "woman", "man", 48.3, 11.7, "always", "any", false);
  grant(mod, "moderator");
  grant(other_mod, "moderator");
  grant(boss, "admin");
  auto act = [&](const Person& who, const std::string& rid, const Json& action) {
    return as(who, "POST", "/api/v1/admin/reports/" + rid + "/actions", action);
  };
  auto refused = [&](const test::HttpResult& res) {
    EXPECT_EQ(res.status, 403) << res.body;
    return res.status == 403 && res.json()["type"] == "/problems/staff-only";
  };

  const std::string about_mod = report(ana, mod);
  // Nor reads it: who reported them, in their words, and the messages between them.
  EXPECT_TRUE(refused(get(mod, "/api/v1/admin/reports/" + about_mod))) << "the report about them";
  auto listed = [&](const Person& who) {
    std::set<std::string> ids;
    const auto queue = get(who, "/api/v1/admin/reports");
    EXPECT_EQ(queue.status, 200) << queue.body;
    const Json reports = queue.json().value("reports", Json::array());
    for (const auto& r : reports) ids.insert(r.value("report_id", ""));
    return ids;
  };
  EXPECT_FALSE(listed(mod).count(about_mod)) << "their queue lists the report about them";
  EXPECT_TRUE(listed(other_mod).count(about_mod)) << "another moderator's does";
  EXPECT_EQ(get(other_mod, "/api/v1/admin/reports/" + about_mod).status, 200);
  EXPECT_TRUE(refused(act(mod, about_mod, {{"action", "dismiss"}}))) << "their own record";
  EXPECT_TRUE(refused(act(mod, report(mod, ana), {{"action", "ban"}}))) << "whoever they reported";
  EXPECT_TRUE(refused(act(other_mod, about_mod, {{"action", "suspend"}, {"days", 7}}))) << "staff: an admin's call";
  EXPECT_TRUE(refused(act(other_mod, about_mod, {{"action", "ban"}})));
  const std::string boss_photo = upload_photo(boss).json().value("media_id", "");
  const std::string about_boss = report(ana, boss);
  EXPECT_TRUE(refused(act(mod, about_boss, {{"action", "remove_photo"}, {"media_id", boss_photo}})))
      << "a staff member's photo: an admin's call";
  EXPECT_EQ(get(boss, "/api/v1/me").json()["photos"].size(), 1u);
  EXPECT_TRUE(refused(act(mod, about_boss, {{"action", "ban"}})));
  EXPECT_TRUE(refused(act(boss, about_boss, {{"action", "dismiss"}})));
  EXPECT_EQ(get(mod, "/api/v1/me").status, 200);
  EXPECT_EQ(get(boss, "/api/v1/me").status, 200);
  EXPECT_EQ(audit("user_banned", mod.user.user_id, ana.user.user_id), 0);

  // What stays allowed: another moderator warns a moderator, an admin suspends one.
  EXPECT_EQ(act(other_mod, about_mod, {{"action", "warn"}}).status, 200);
  auto suspended = act(boss, report(ana, mod), {{"action", "suspend"}, {"days", 7}});
  EXPECT_EQ(suspended.status, 200) << suspended.body;
  EXPECT_EQ(get(mod, "/api/v1/me").status, 401);
}

TEST_F(Staff, ABanRefusesSignInAndANewSignUpWithTheAddress) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  Person mod = person("Mo", "man", "woman", 48.1, 11.5, "always", "any", false);
  grant(mod, "moderator");
  auto conn = db_.connect();
  pqxx::nontransaction(conn).exec_params0("UPDATE users SET profile_visibility = 'public' WHERE user_id = $1",
                                          ana.user.user_id);
  // Their match, which she liked: in his list (read, so cached) and among his likes, before.
  const std::string match = match_between(ana, ben);
  ASSERT_EQ(post(ana, "/api/v1/matches/" + match + "/like").status, 200);
  auto listed = [&] { return get(ben, "/api/v1/matches").body.find(match) != std::string::npos; };
  ASSERT_TRUE(listed());
  ASSERT_EQ(get(ben, "/api/v1/likes/received").json()["count"], 1);
  const std::string rid = report(ben, ana);
  ASSERT_EQ(get(ben, "/api/v1/users/" + ana.user.user_id).status, 200) << "her public profile, before";
  ASSERT_EQ(as(mod, "POST", "/api/v1/admin/reports/" + rid + "/actions", {{"action", "ban"}}).status, 200);
  EXPECT_EQ(get(ana, "/api/v1/me").status, 401);
  EXPECT_EQ(get(ben, "/api/v1/users/" + ana.user.user_id).status, 404) << "a banned profile is shown to no one";
  // Nor her match preview (name, age, place, photo), from the cache or not, nor her like.
  EXPECT_FALSE(listed());
  EXPECT_EQ(get(ben, "/api/v1/matches/" + match).status, 404);
  EXPECT_EQ(get(ben, "/api/v1/likes/received").json()["count"], 0);
  auto refused = sign_in(ana);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.json()["type"], "/problems/account-banned");
  EXPECT_EQ(audit("user_banned", mod.user.user_id, ana.user.user_id), 1);

  // Even once the account is deleted, the address cannot sign up again.
  pqxx::nontransaction(conn).exec_params0("DELETE FROM users WHERE user_id = $1", ana.user.user_id);
  auto again = server_->request("POST", "/api/v1/auth/signup",
                                Json{{"email", ana.user.email},
                                     {"password", "a-long-and-good-passphrase-42"},
                                     {"first_name", "Ana"},
                                     {"birth_date", "1990-01-01"},
                                     {"gender", "woman"},
                                     {"seeking_gender", "man"}}
                                    .dump(),
                                {{"Content-Type", "application/json"}, {"X-Forwarded-For", test::unique_client_ip()}});
  EXPECT_EQ(again.status, 403) << again.body;
  EXPECT_EQ(again.json()["type"], "/problems/account-banned");
}

// A banned account will never read again: the conversations with it close (the others told live,
// as of an unmatch), so no one writes on into the void; what was said stays for their record.
TEST_F(Staff, ABannedAccountsConversationsCloseForThePeopleItTalkedTo) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person cal = person("Cal", "man", "woman", 52.50, 13.41);
  Person dan = person("Dan", "man", "woman", 52.53, 13.38);
  Person eve = person("Eve", "woman", "man", 52.52, 13.39);
  Person mod = person("Mo", "man", "woman", 48.1, 11.5, "always", "any", false);
  grant(mod, "moderator");
  const std::string with_ben = talk(ana, ben, "Can you lend me 500?");
  const std::string with_cal = talk(cal, ana, "Hi Ana!");
  const std::string between_others = talk(dan, eve, "Hello Eve");
  test::WsClient bens_socket(server_->port(), ben.user.token);
  ASSERT_TRUE(bens_socket.is_open());
  const std::string rid = report(ben, ana);

  ASSERT_EQ(as(mod, "POST", "/api/v1/admin/reports/" + rid + "/actions", {{"action", "ban"}}).status, 200);
  auto told = bens_socket.wait_for("conversation.closed");
  ASSERT_TRUE(told) << "Ben is told live";
  EXPECT_EQ((*told)["conversation_id"], with_ben);
  EXPECT_EQ((*told)["reason"], "unmatched") << "as an unmatch: no word of a ban";

  for (const auto& [who, conversation] : {std::pair{&ben, with_ben}, std::pair{&cal, with_cal}}) {
    auto refused = as(*who, "POST", "/api/v1/conversations/" + conversation + "/messages",
                      {{"client_message_id", "after-ban"}, {"content", "Are you there?"}});
    EXPECT_EQ(refused.status, 409) << who->name << ": " << refused.body;
    EXPECT_EQ(refused.json().value("type", ""), "/problems/conversation-closed");
    auto kept = get(*who, "/api/v1/conversations/" + conversation + "/messages");
    ASSERT_EQ(kept.status, 200) << kept.body;
    EXPECT_TRUE(kept.json()["closed"].get<bool>());
    EXPECT_EQ(kept.json()["messages"].size(), 1u) << "what was said stays, for their record: " << kept.body;
  }
  auto listed = get(cal, "/api/v1/conversations").json()["conversations"];
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_TRUE(listed[0]["closed"].get<bool>()) << listed.dump();

  auto others = as(dan, "POST", "/api/v1/conversations/" + between_others + "/messages",
                   {{"client_message_id", "m2"}, {"content", "Still here?"}});
  EXPECT_EQ(others.status / 100, 2) << "a conversation without her stays open: " << others.body;
}

TEST_F(Staff, AWarningIsMailedAndAPhotoCanBeRemoved) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40, "always", "any", false);
  Person mod = person("Mo", "man", "woman", 48.1, 11.5, "always", "any", false);
  grant(mod, "moderator");
  auto headers = ana.user.auth();
  headers.emplace_back("Content-Type", "image/jpeg");
  auto photo = server_->request("POST", "/api/v1/me/media", test::read_fixture("orientation6.jpg"), headers);
  ASSERT_EQ(photo.status, 201) << photo.body;
  const std::string media_id = photo.json()["media_id"];

  const std::string first = report(ben, ana);
  auto shown = as(mod, "GET", "/api/v1/admin/reports/" + first).json();
  ASSERT_EQ(shown["reported"]["photos"].size(), 1u) << shown.dump();
  EXPECT_EQ(shown["reported"]["photos"][0]["media_id"], media_id);
  EXPECT_EQ(as(mod, "POST", "/api/v1/admin/reports/" + first + "/actions",
               {{"action", "remove_photo"}, {"media_id", "6f1c1b1e-0000-4000-8000-000000000000"}})
                .status,
            404)
      << "only the reported user's photo";
  auto removed = as(mod, "POST", "/api/v1/admin/reports/" + first + "/actions",
                    {{"action", "remove_photo"}, {"media_id", media_id}});
  ASSERT_EQ(removed.status, 200) << removed.body;
  const Json profile = get(ana, "/api/v1/me").json();
  ASSERT_TRUE(profile.contains("photos")) << profile.dump();
  EXPECT_TRUE(profile["photos"].empty());
  EXPECT_EQ(audit("photo_removed", mod.user.user_id, ana.user.user_id), 1);

  const std::string second = report(ben, ana, "Rude again.");
  auto warned = as(mod, "POST", "/api/v1/admin/reports/" + second + "/actions",
                   {{"action", "warn"}, {"note", "Please be kind to people."}});
  ASSERT_EQ(warned.status, 200) << warned.body;
  std::string address = ana.user.email;  // as the account stores it: lower-cased
  for (auto& c : address) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto mail = test::wait_for_mail(server_->app().config.mail_dir, address, 2);  // verification + warning
  EXPECT_NE(mail.find("Please be kind to people."), std::string::npos) << mail;
  EXPECT_EQ(get(ana, "/api/v1/me").status, 200) << "a warning leaves the account as it is";
  EXPECT_EQ(audit("user_warned", mod.user.user_id, ana.user.user_id), 1);
}

// Moderators acting on one report at once: one action settles it, the others change nothing. (Four
// photos removed at once through one report each used to go, and only the first was audited.)
TEST_F(Staff, OneReportIsSettledOnceHoweverManyActOnItAtOnce) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40, "always", "any", false);
  Person mod = person("Mo", "man", "woman", 48.1, 11.5, "always", "any", false);
  grant(mod, "moderator");
  std::vector<std::string> photos;
  for (int i = 0; i < 4; ++i) photos.push_back(upload_photo(ana).json().value("media_id", ""));
  const std::string rid = report(ben, ana);

  std::vector<std::future<int>> acts;
  for (const auto& media_id : photos)
    acts.push_back(std::async(std::launch::async, [&, media_id] {
      return as(mod, "POST", "/api/v1/admin/reports/" + rid + "/actions",
                {{"action", "remove_photo"}, {"media_id", media_id}})
          .status;
    }));
  std::multiset<int> statuses;
  for (auto& a : acts) statuses.insert(a.get());
  EXPECT_EQ(statuses, (std::multiset<int>{200, 409, 409, 409}));
  EXPECT_EQ(get(ana, "/api/v1/me").json()["photos"].size(), 3u) << "one photo went";
  EXPECT_EQ(audit("photo_removed", mod.user.user_id, ana.user.user_id), 1);
}

TEST_F(Staff, ModeratorsLookUsersUpByEmail) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  Person mod = person("Mo", "man", "woman", 48.1, 11.5, "always", "any", false);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40, "always", "any", false);
  Person carl = person("Carl", "man", "woman", 52.53, 13.41, "always", "any", false);
  grant(mod, "moderator");
  // Ben reports her three times, Carl once: two people reported her, not four.
  for (int i = 0; i < 3; ++i) report(ben, ana, "again " + std::to_string(i));
  report(carl, ana);
  auto found = as(mod, "GET", "/api/v1/admin/users?email=" + ana.user.email);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.json()["user_id"], ana.user.user_id);
  EXPECT_EQ(found.json()["subscription"]["plan_id"], "free");
  EXPECT_EQ(found.json()["reports_against"], 2) << "one person's repeated reports count once";
  EXPECT_EQ(found.json()["open_reports_against"], 2);
  EXPECT_EQ(found.json().count("email"), 0u) << "the address is what was asked; it is not shown back";
  EXPECT_TRUE(found.json()["last_active"].get<std::string>().ends_with("T00:00:00.000Z"))
      << "the day she was last active, as everyone else sees it, not the minute: " << found.body;
  EXPECT_EQ(as(mod, "GET", "/api/v1/admin/users?email=nobody@example.com").status, 404);
  EXPECT_EQ(as(mod, "GET", "/api/v1/admin/users").status, 400);
  EXPECT_EQ(audit("staff_user_lookup", mod.user.user_id, ana.user.user_id), 1);
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM audit_log WHERE event = 'staff_user_lookup' AND user_id = $1 "
                           "AND subject_id IS NULL",
                           mod.user.user_id)[0]
                .as<int>(),
            1)
      << "a look-up that finds no account is recorded too (asking whether an address has one is access)";
  EXPECT_EQ(q.exec_params1("SELECT count(*) FROM audit_log a JOIN users u ON u.email_index = a.details->>'email_index' "
                           "WHERE a.event = 'staff_user_lookup' AND a.user_id = $1 AND u.user_id = $2",
                           mod.user.user_id, ana.user.user_id)[0]
                .as<int>(),
            1)
      << "each entry says which address was asked (its blind index), a miss too";
  EXPECT_EQ(q.exec_params1("SELECT count(DISTINCT details->>'email_index') FROM audit_log "
                           "WHERE event = 'staff_user_lookup' AND user_id = $1",
                           mod.user.user_id)[0]
                .as<int>(),
            2);

  // Asking address after address (a stolen staff session checking who has an account) is limited.
  int answered = 0;
  for (int i = 0; i < staff::Service::kLookupsPerHour; ++i)
    answered += as(mod, "GET", "/api/v1/admin/users?email=someone" + std::to_string(i) + "@example.com").status == 404;
  EXPECT_EQ(answered, staff::Service::kLookupsPerHour - 2) << "the hour's look-ups, two of them made above";
  auto refused = as(mod, "GET", "/api/v1/admin/users?email=" + ana.user.email);
  EXPECT_EQ(refused.status, 429) << refused.body;
}

// Resolved reports were listed oldest first, at most 100: past that, what was decided lately was out
// of reach. They come newest decision first; the open queue stays oldest first.
TEST_F(Staff, ResolvedReportsAreListedNewestDecisionFirst) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person carl = person("Carl", "man", "woman", 52.53, 13.41);
  Person mod = person("Mo", "woman", "man", 52.50, 13.38);
  grant(mod, "moderator");
  const std::string first = report(ben, ana), second = report(carl, ana);
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  auto open = as(mod, "GET", "/api/v1/admin/reports?limit=1").json()["reports"];
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0]["report_id"], first) << "the queue: oldest first";
  for (const auto& id : {first, second})
    ASSERT_EQ(as(mod, "POST", "/api/v1/admin/reports/" + id + "/actions", {{"action", "dismiss"}}).status, 200);
  auto decided = as(mod, "GET", "/api/v1/admin/reports?status=dismissed&limit=1").json()["reports"];
  ASSERT_EQ(decided.size(), 1u);
  EXPECT_EQ(decided[0]["report_id"], second) << "the latest decision first";
  EXPECT_EQ(decided[0]["reported_name"], "Ana");
  EXPECT_EQ(decided[0]["resolved_by_name"], "Mo");
}
