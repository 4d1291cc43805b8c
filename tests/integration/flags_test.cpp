// Feature flags on the real stores (docs/feature-flags.md): a percentage rollout by a stable hash,
// the allow-list and plans, the Redis mirror and what a server does when Redis is gone, the admin
// routes with their audit entries, and the two things flags switch: rewind and the LLM insights.
//
// Each test has a private redis-server: the mirror's keys (feature_flags:{key}) are the same for
// every server, and these tests change the seeded flags other tests' servers read.

#include <cmath>
#include <cstdint>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "auth/restrictions.hpp"
#include "core/crypto.hpp"
#include "flags/model.hpp"
#include "flags/service.hpp"
#include "matching/insights.hpp"
#include "support/fake_openai_server.hpp"
#include "support/matching_api.hpp"
#include "support/processes.hpp"

using namespace pm;
using Json = nlohmann::json;
using test::Person;
using test::TestUser;

namespace {

// The documented bucket, computed here on its own: SHA-256("{key}:{user}"), first 8 bytes big
// endian, modulo 100.
int documented_bucket(const std::string& key, const std::string& user) {
  const std::string digest = crypto::sha256_hex(key + ":" + user);
  return static_cast<int>(std::stoull(digest.substr(0, 16), nullptr, 16) % 100);
}

std::string synthetic_user(int i) { return crypto::uuid_v5("flags-test-user:" + std::to_string(i)); }

class Flags : public test::MatchingApi {
 protected:
  void configure(Config& c) override {
    c.redis_url = redis_.url();
    c.redis_timeout = Millis(300);
    c.flag_cache_ttl = Millis(50);
    c.session_cache_ttl = Millis(60000);  // a signed-in caller stays trusted while Redis is away
  }

  TestUser user(const std::string& name = "Ada") { return test::sign_up(*server_, test::unique_email(name), name); }
  TestUser staff(const std::string& role) {
    TestUser u = user("Staff");
    auto granted = server_->app().staff.grant_role(u.email, staff::role_from(role));
    EXPECT_TRUE(granted) << granted.error().detail;
    return u;
  }
  test::HttpResult as(const TestUser& u, const std::string& method, const std::string& path,
                      const Json& body = nullptr) {
    auto headers = u.auth();
    if (!body.is_null()) headers.emplace_back("Content-Type", "application/json");
    return server_->request(method, path, body.is_null() ? "" : body.dump(), headers);
  }
  test::HttpResult put_flag(const TestUser& admin, const std::string& key, const Json& body) {
    return as(admin, "PUT", "/api/v1/admin/feature-flags/" + key, body);
  }
  // The caller's evaluated flags; fails the test unless 200.
  Json features(const TestUser& u) {
    auto res = as(u, "GET", "/api/v1/features");
    EXPECT_EQ(res.status, 200) << res.body;
    return res.status == 200 ? res.json()["flags"] : Json::object();
  }
  // The value of a Redis key of the private server (null when absent).
  Json mirrored(const std::string& key) {
    cache::RedisPool redis({.url = redis_.url(), .size = 1, .timeout = Millis(500)});
    auto reply = redis.command({"GET", "feature_flags:" + key});
    EXPECT_TRUE(reply) << (reply ? "" : reply.error().detail);
    if (!reply || reply->is_nil()) return nullptr;
    return Json::parse(reply->str());
  }
  bool in_index(const std::string& key) {
    cache::RedisPool redis({.url = redis_.url(), .size = 1, .timeout = Millis(500)});
    auto reply = redis.command({"SISMEMBER", "feature_flags", key});
    return reply && reply->is_integer() && reply->integer() == 1;
  }
  int audit(const std::string& event, const std::string& actor, const std::string& flag) {
    return count("SELECT count(*) FROM audit_log WHERE event = '" + event +
                     "' AND user_id::text = $1 AND details->>'flag' = '" + flag + "'",
                 actor);
  }
  void sql(const std::string& statement) {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec(statement);
    tx.commit();
  }
  void set_premium(const std::string& user_id) {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec_params(
        "UPDATE subscription_details SET plan_type = 'premium', payment_status = 'active' WHERE user_id = $1", user_id);
    tx.commit();
  }

  test::RedisServer redis_;  // constructed before SetUp runs configure()
};

}  // namespace

TEST_F(Flags, ARolloutIsDeterministicAndNearItsPercentage) {
  TestUser admin = staff("admin");
  ASSERT_EQ(put_flag(admin, "quarter", {{"enabled", true}, {"percentage", 25}}).status, 201);

  auto& service = server_->app().flags;
  // A second server of the same stores: another node.
  flags::Service other_node({.db = server_->app().db,
                             .redis = server_->app().redis,
                             .subscriptions = server_->app().subscriptions,
                             .cache_ttl = Millis(50)});
  const int n = 1000;
  int on = 0, expected = 0;
  for (int i = 0; i < n; ++i) {
    const UserId u(synthetic_user(i));
    auto first = service.evaluate("quarter", u);
    ASSERT_TRUE(first);
    if (first->enabled) ++on;
    if (documented_bucket("quarter", u.str()) < 25) ++expected;
    EXPECT_EQ(other_node.is_on("quarter", u, false), first->enabled) << u.str();
  }
  // Exactly the users the documented hash puts below 25, and so about a quarter of them: within
  // five standard deviations of a binomial(1000, 0.25) (the hash is fixed, so this never flickers).
  EXPECT_EQ(on, expected);
  const double sd = std::sqrt(n * 0.25 * 0.75);
  EXPECT_LT(std::abs(on - n / 4), 5 * sd) << on << " of " << n;

  // After the local snapshot expires, and read again from Redis: the same answers.
  service.forget_snapshot();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  for (int i = 0; i < n; ++i) {
    const UserId u(synthetic_user(i));
    EXPECT_EQ(service.is_on("quarter", u, false), documented_bucket("quarter", u.str()) < 25);
  }

  // A real user: GET /api/v1/features agrees with the hash, twice.
  TestUser ada = user();
  const bool in = documented_bucket("quarter", ada.user_id) < 25;
  EXPECT_EQ(features(ada)["quarter"]["enabled"], in);
  EXPECT_EQ(features(ada)["quarter"]["enabled"], in);
}

TEST_F(Flags, TheCallerGetsEveryFlagEvaluated) {
  TestUser ada = user();
  EXPECT_EQ(server_->request("GET", "/api/v1/features").status, 401);
  Json flags = features(ada);
  // The seeded flags: on, as things were before flags existed.
  EXPECT_EQ(flags["rewind"]["enabled"], true);
  EXPECT_EQ(flags["llm_insights"]["enabled"], true);
  EXPECT_EQ(flags["llm_insights"]["config"]["provider"], "configured");

  TestUser admin = staff("admin");
  ASSERT_EQ(put_flag(admin, "dark_mode", {{"enabled", false}, {"config", {{"theme", "night"}}}}).status, 201);
  flags = features(ada);
  EXPECT_EQ(flags["dark_mode"]["enabled"], false);
  EXPECT_EQ(flags["dark_mode"]["config"], Json::object()) << "a flag that is off shows no config";
  ASSERT_EQ(put_flag(admin, "dark_mode", {{"enabled", true}, {"config", {{"theme", "night"}}}}).status, 200);
  EXPECT_EQ(features(ada)["dark_mode"]["config"]["theme"], "night");
}

TEST_F(Flags, TheAllowListAndPlansTargetUsers) {
  TestUser admin = staff("admin");
  TestUser ana = user("Ana"), ben = user("Ben");
  // Nobody by percentage, Ana by name.
  ASSERT_EQ(put_flag(admin, "early", {{"enabled", true}, {"percentage", 0}, {"allow_list", {ana.user_id}}}).status,
            201);
  EXPECT_EQ(features(ana)["early"]["enabled"], true);
  EXPECT_EQ(features(ben)["early"]["enabled"], false);

  // Premium only (Ana still by name).
  auto premium_only =
      put_flag(admin, "early", {{"enabled", true}, {"plans", {"premium"}}, {"allow_list", {ana.user_id}}});
  ASSERT_EQ(premium_only.status, 200) << premium_only.body;
  EXPECT_EQ(premium_only.json()["plans"], Json::array({"premium"}));
  EXPECT_EQ(features(ana)["early"]["enabled"], true);
  EXPECT_EQ(features(ben)["early"]["enabled"], false) << "Ben is on the free plan";
  set_premium(ben.user_id);
  EXPECT_EQ(features(ben)["early"]["enabled"], true) << "the plan in force decides, read at once";

  // Off is off for everyone, the allow-list included.
  ASSERT_EQ(put_flag(admin, "early", {{"enabled", false}, {"allow_list", {ana.user_id}}}).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(features(ana)["early"]["enabled"], false);
  EXPECT_EQ(features(ben)["early"]["enabled"], false);

  // What is not a flag.
  auto field_of = [](const test::HttpResult& r) {
    return r.status == 400 ? r.json()["errors"][0]["field"].get<std::string>()
                           : std::string("status ") + std::to_string(r.status);
  };
  EXPECT_EQ(field_of(put_flag(admin, "early", {{"enabled", true}, {"plans", {"gold"}}})), "plans");
  EXPECT_EQ(field_of(put_flag(admin, "early", {{"enabled", true}, {"percentage", 101}})), "percentage");
  EXPECT_EQ(field_of(put_flag(admin, "early", {{"enabled", true}, {"allow_list", {"not-a-uuid"}}})), "allow_list");
  EXPECT_EQ(field_of(put_flag(admin, "early", {{"enabled", true}, {"config", "text"}})), "config");
  EXPECT_EQ(field_of(put_flag(admin, "early", {{"percentage", 5}})), "enabled");
  EXPECT_EQ(field_of(put_flag(admin, "Not_A_Key", {{"enabled", true}})), "key");
  EXPECT_EQ(field_of(put_flag(admin, "early", {{"enabled", true}, {"colour", "red"}})), "colour");
}

TEST_F(Flags, OnlyAdminsChangeFlagsAndEveryChangeIsAuditedAndMirrored) {
  TestUser ada = user(), mod = staff("moderator"), admin = staff("admin");
  const Json body = {{"enabled", true}, {"percentage", 40}, {"config", {{"limit", 3}}}, {"description", "a test"}};
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/v1/admin/feature-flags"},
      {"GET", "/api/v1/admin/feature-flags/beta"},
      {"PUT", "/api/v1/admin/feature-flags/beta"},
      {"DELETE", "/api/v1/admin/feature-flags/beta"},
  };
  for (const auto& [method, path] : routes) {
    const Json b = method == "PUT" ? body : Json(nullptr);
    EXPECT_EQ(
        server_->request(method, path, b.is_null() ? "" : b.dump(), {{"Content-Type", "application/json"}}).status, 401)
        << method << " " << path;
    for (const TestUser* who : {&ada, &mod}) {
      auto refused = as(*who, method, path, b);
      EXPECT_EQ(refused.status, 403) << method << " " << path << ": " << refused.body;
      EXPECT_EQ(refused.json()["type"], "/problems/staff-only");
    }
  }
  EXPECT_EQ(count("SELECT count(*) FROM feature_flags WHERE flag_key = $1", "beta"), 0) << "nothing was made";

  auto created = put_flag(admin, "beta", body);
  ASSERT_EQ(created.status, 201) << created.body;
  Json flag = created.json();
  EXPECT_EQ(flag["key"], "beta");
  EXPECT_EQ(flag["percentage"], 40);
  EXPECT_EQ(flag["updated_by"], admin.user_id);
  EXPECT_EQ(audit("feature_flag_changed", admin.user_id, "beta"), 1);
  // The mirror, under the seed's key.
  Json m = mirrored("beta");
  EXPECT_EQ(m["enabled"], true);
  EXPECT_EQ(m["config"]["limit"], 3);
  EXPECT_EQ(m["percentage"], 40);
  EXPECT_TRUE(in_index("beta"));

  auto listed = as(admin, "GET", "/api/v1/admin/feature-flags");
  ASSERT_EQ(listed.status, 200);
  std::set<std::string> keys;
  const Json list = listed.json();  // (a range-for over a temporary's member would dangle)
  for (const auto& f : list["flags"]) keys.insert(f["key"].get<std::string>());
  EXPECT_EQ(keys, (std::set<std::string>{"beta", "llm_insights", "rewind"}));
  EXPECT_EQ(as(admin, "GET", "/api/v1/admin/feature-flags/beta").json()["description"], "a test");
  EXPECT_EQ(as(admin, "GET", "/api/v1/admin/feature-flags/gamma").status, 404);

  ASSERT_EQ(put_flag(admin, "beta", {{"enabled", false}}).status, 200);
  EXPECT_EQ(audit("feature_flag_changed", admin.user_id, "beta"), 2);
  EXPECT_EQ(mirrored("beta")["enabled"], false);

  EXPECT_EQ(as(admin, "DELETE", "/api/v1/admin/feature-flags/beta").status, 204);
  EXPECT_EQ(as(admin, "DELETE", "/api/v1/admin/feature-flags/beta").status, 404);
  EXPECT_EQ(audit("feature_flag_deleted", admin.user_id, "beta"), 1);
  EXPECT_TRUE(mirrored("beta").is_null());
  EXPECT_FALSE(in_index("beta"));
  EXPECT_FALSE(features(ada).contains("beta"));

  // A suspended admin has no session left, and cannot sign in to get one.
  {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    auth::suspend(tx, admin.id(), 3);
    tx.commit();
  }
  ASSERT_TRUE(server_->app().sessions.end_all(admin.id()));
  EXPECT_EQ(put_flag(admin, "beta", body).status, 401);
  auto login =
      server_->request("POST", "/api/v1/auth/login", Json{{"email", admin.email}, {"password", admin.password}}.dump(),
                       {{"Content-Type", "application/json"}, {"X-Forwarded-For", test::unique_client_ip()}});
  EXPECT_EQ(login.status, 403) << login.body;
  EXPECT_EQ(count("SELECT count(*) FROM feature_flags WHERE flag_key = $1", "beta"), 0);
}

TEST_F(Flags, FlagsSurviveRedisLoss) {
  TestUser admin = staff("admin");
  auto& service = server_->app().flags;
  ASSERT_EQ(put_flag(admin, "beta", {{"enabled", true}}).status, 201);
  const UserId someone(synthetic_user(1));
  ASSERT_TRUE(service.is_on("beta", someone, false));
  ASSERT_TRUE(service.is_on("rewind", someone, false));

  // Redis goes away; meanwhile the flag changes in PostgreSQL where no mirror write can follow.
  redis_.stop();
  sql("UPDATE feature_flags SET enabled = false WHERE flag_key = 'beta'");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // past the local snapshot's 50 ms
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(service.is_on("beta", someone, false)) << "the last known value stays in use";
    EXPECT_TRUE(service.is_on("rewind", someone, false));
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  // A server that starts while Redis is down reads PostgreSQL.
  cache::RedisPool dead({.url = redis_.url(), .size = 1, .timeout = Millis(200)});
  flags::Service fresh({.db = server_->app().db, .redis = dead, .subscriptions = server_->app().subscriptions});
  EXPECT_FALSE(fresh.is_on("beta", someone, true));
  EXPECT_TRUE(fresh.is_on("rewind", someone, false));
  // And an admin can still change a flag: PostgreSQL takes it, the mirror is written later.
  auto changed = put_flag(admin, "gamma", {{"enabled", true}});
  EXPECT_EQ(changed.status, 201) << changed.body;

  // Redis comes back empty: it lacks the flags, so PostgreSQL is read and the mirror written again.
  redis_.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(service.is_on("beta", someone, true)) << "PostgreSQL's value once Redis answers without the flags";
  EXPECT_TRUE(service.is_on("gamma", someone, false));
  EXPECT_EQ(mirrored("beta")["enabled"], false);
  EXPECT_EQ(mirrored("gamma")["enabled"], true);
  EXPECT_EQ(mirrored("rewind")["enabled"], true);
}

// Before, a server's reconcile that read PostgreSQL just before an admin's change on another
// server wrote its older read over the change's mirror: a kill switch was ignored by every server
// until the next reconcile (up to a minute), a new flag vanished and a deleted one came back.
TEST_F(Flags, AChangeMirroredWhileAnotherServerReconcilesIsNotOverwritten) {
  TestUser admin = staff("admin");
  ASSERT_EQ(put_flag(admin, "kill", {{"enabled", true}}).status, 201);
  ASSERT_EQ(put_flag(admin, "gone", {{"enabled", true}}).status, 201);
  const UserId someone(synthetic_user(1));
  bool changed = false;
  cache::RedisPool redis({.url = redis_.url(), .size = 2, .timeout = Millis(500)});
  // Another server, reconciling at every read. Between its read of PostgreSQL and its write of the
  // mirror, an admin on this one switches a flag off, makes one and deletes one.
  flags::Service other({.db = server_->app().db,
                        .redis = redis,
                        .subscriptions = server_->app().subscriptions,
                        .cache_ttl = Millis(0),
                        .reconcile_every = Millis(0),
                        .after_reconcile_read = [&] {
                          if (changed) return;
                          changed = true;
                          EXPECT_EQ(put_flag(admin, "kill", {{"enabled", false}}).status, 200);
                          EXPECT_EQ(put_flag(admin, "fresh", {{"enabled", true}}).status, 201);
                          EXPECT_EQ(as(admin, "DELETE", "/api/v1/admin/feature-flags/gone").status, 204);
                        }});
  EXPECT_FALSE(other.is_on("kill", someone, true)) << "it read again, the change with it";
  ASSERT_TRUE(changed);
  EXPECT_EQ(mirrored("kill")["enabled"], false) << "the change stands in the mirror";
  EXPECT_EQ(mirrored("fresh")["enabled"], true);
  EXPECT_TRUE(in_index("fresh"));
  EXPECT_FALSE(in_index("gone"));
  EXPECT_TRUE(mirrored("gone").is_null());
}

TEST_F(Flags, RewindFollowsItsFlag) {
  TestUser admin = staff("admin");
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/pass").status, 200);
  make_premium(ana);

  ASSERT_EQ(put_flag(admin, "rewind", {{"enabled", false}}).status, 200);
  auto off = post(ana, "/api/v1/matches/rewind");
  EXPECT_EQ(off.status, 404) << off.body;
  EXPECT_EQ(off.json()["type"], "/problems/feature-disabled");
  EXPECT_EQ(off.json()["feature"], "rewind");
  EXPECT_EQ(matches_of(ana, "?status=rejected")["matches"].size(), 1u) << "refused: nothing changed";
  EXPECT_EQ(features(ana.user)["rewind"]["enabled"], false);

  // On for Ana alone: she rewinds.
  ASSERT_EQ(
      put_flag(admin, "rewind", {{"enabled", true}, {"percentage", 0}, {"allow_list", {ana.user.user_id}}}).status,
      200);
  auto on = post(ana, "/api/v1/matches/rewind");
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(on.json()["match_id"], id);
  EXPECT_EQ(on.json()["status"], "pending");
}

namespace {

class FlagsWithLlm : public Flags {
 protected:
  void configure(Config& c) override {
    Flags::configure(c);
    c.llm_provider = "openai";
    c.llm_url = llm_.base_url();
    c.llm_model = "test-model";
    c.llm_api_key = "sk-test-secret";
    c.llm_timeout = std::chrono::milliseconds(2000);
    c.llm_retries = 0;
  }
  test::FakeOpenAiServer llm_;
};

}  // namespace

TEST_F(FlagsWithLlm, TheLlmInsightsFlagChoosesTheWriter) {
  llm_.set_reply({.body = test::chat_reply(
                      Json{{"summary", "Two sailors who bake."}, {"detailedAnalysis", "Long analysis."}}.dump())});
  TestUser admin = staff("admin");
  // The built-in writer for everyone, though a provider is configured.
  ASSERT_EQ(put_flag(admin, "llm_insights", {{"enabled", true}, {"config", {{"provider", "builtin"}}}}).status, 200);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string first = match_between(ana, ben);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(opened_insight_document(ana, first)["aiModel"], matching::kInsightModel);
  EXPECT_EQ(llm_.requests(), 0u) << "the model was not asked";

  // Off: the built-in writer too.
  ASSERT_EQ(put_flag(admin, "llm_insights", {{"enabled", false}}).status, 200);
  Person carl = person("Carl", "man", "woman", 52.53, 13.41);
  const std::string second = match_between(ana, carl);
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(opened_insight_document(ana, second)["aiModel"], matching::kInsightModel);
  EXPECT_EQ(llm_.requests(), 0u);

  // On with the configured provider: the model writes the prose.
  ASSERT_EQ(put_flag(admin, "llm_insights", {{"enabled", true}, {"config", {{"provider", "configured"}}}}).status, 200);
  Person dan = person("Dan", "man", "woman", 52.50, 13.41);
  const std::string third = match_between(ana, dan);
  ASSERT_FALSE(third.empty());
  EXPECT_EQ(opened_insight_document(ana, third)["aiModel"], "test-model");
  EXPECT_GT(llm_.requests(), 0u);
}
