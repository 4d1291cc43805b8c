// Plans and entitlements over real HTTP on the real stores: plans are data (changing a plan's row
// changes what its users get), GET /plans and /subscription, and every gated place follows the
// plan: who liked me, rewind, likes per day, premium questions, insights, generations.

#include <gtest/gtest.h>

#include "support/matching_api.hpp"

using namespace pm;
using Json = nlohmann::json;
using test::Person;
using Entitled = test::MatchingApi;

namespace {

class Plans : public Entitled {
 protected:
  // Changes a plan's entitlement (plans are data: no deploy, no restart).
  void set_entitlement(const std::string& plan, const std::string& key, const Json& value) {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec_params("UPDATE plans SET entitlements = jsonb_set(entitlements, ARRAY[$2], $3::jsonb) WHERE plan_id = $1",
                   plan, key, value.dump());
    tx.commit();
  }
  void set_subscription(const Person& p, const std::string& plan, const std::string& status,
                        const std::string& end_date = "2999-01-01") {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec_params(
        "UPDATE subscription_details SET plan_type = $2, payment_status = $3, end_date = $4::timestamptz "
        "WHERE user_id = $1",
        p.user.user_id, plan, status, end_date);
    tx.commit();
  }
  test::HttpResult anonymous(const std::string& method, const std::string& path) {
    return server_->request(method, path, "", {{"X-Forwarded-For", test::unique_client_ip()}});
  }
};

void expect_premium_required(const test::HttpResult& res, const std::string& feature) {
  EXPECT_EQ(res.status, 403) << res.body;
  if (res.status != 403) return;
  auto body = res.json();
  EXPECT_EQ(body["type"], "/problems/premium-required");
  EXPECT_EQ(body["feature"], feature);
  EXPECT_EQ(body["unlocked_by"], Json::array({"premium"})) << "says what would unlock it";
  EXPECT_EQ(body["plans"], "/api/v1/plans");
}

}  // namespace

TEST_F(Plans, ThePlansArePublicDataWithTheirEntitlementsAndPrices) {
  auto res = anonymous("GET", "/api/v1/plans");
  ASSERT_EQ(res.status, 200) << res.body;
  auto plans = res.json()["plans"];
  ASSERT_EQ(plans.size(), 2u) << plans.dump();
  EXPECT_EQ(plans[0]["plan_id"], "free");
  EXPECT_TRUE(plans[0]["prices"].empty());
  EXPECT_EQ(plans[0]["entitlements"]["likes_per_day"], 50);
  EXPECT_EQ(plans[0]["entitlements"]["rewind"], false);
  EXPECT_EQ(plans[1]["plan_id"], "premium");
  EXPECT_TRUE(plans[1]["entitlements"]["likes_per_day"].is_null()) << "no limit";
  EXPECT_EQ(plans[1]["entitlements"]["who_liked_me"], true);
  std::set<std::string> prices;
  for (const auto& p : plans[1]["prices"])
    prices.insert(p["interval"].get<std::string>() + " " + p["currency"].get<std::string>() + " " +
                  std::to_string(p["amount_minor"].get<int>()));
  EXPECT_TRUE(prices.count("month EUR 1399")) << plans[1]["prices"].dump();
  EXPECT_TRUE(prices.count("year USD 11999")) << plans[1]["prices"].dump();
}

TEST_F(Plans, TheSubscriptionSaysThePlanItsStateAndWhatItEntitlesToNow) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39, "always", "any", false);
  EXPECT_EQ(anonymous("GET", "/api/v1/subscription").status, 401);

  auto free = get(ana, "/api/v1/subscription");
  ASSERT_EQ(free.status, 200) << free.body;
  EXPECT_EQ(free.json()["plan_id"], "free");
  EXPECT_EQ(free.json()["status"], "not_required");
  EXPECT_EQ(free.json()["in_force"], false);
  EXPECT_EQ(free.json()["cancel_at_period_end"], false);
  EXPECT_EQ(free.json()["entitlements"]["full_insights"], false);

  set_subscription(ana, "premium", "active", "2999-01-01");
  auto paid = get(ana, "/api/v1/subscription").json();
  EXPECT_EQ(paid["plan_id"], "premium");
  EXPECT_EQ(paid["status"], "active");
  EXPECT_EQ(paid["in_force"], true);
  EXPECT_EQ(paid["period_end"], "2999-01-01T00:00:00.000Z");
  EXPECT_EQ(paid["entitlements"]["full_insights"], true);

  // Money not received, or a period that ended: the free plan's entitlements.
  for (const auto& [status, end] :
       {std::pair{"past_due", "2999-01-01"}, {"canceled", "2999-01-01"}, {"active", "2020-01-01"}}) {
    set_subscription(ana, "premium", status, end);
    auto lapsed = get(ana, "/api/v1/subscription").json();
    EXPECT_EQ(lapsed["plan_id"], "premium") << status;
    EXPECT_EQ(lapsed["in_force"], false) << status << " " << end;
    EXPECT_EQ(lapsed["entitlements"]["full_insights"], false) << status << " " << end;
  }
  // A plan that is not in the plans table entitles to nothing more than free.
  set_subscription(ana, "platinum", "active");
  EXPECT_EQ(get(ana, "/api/v1/subscription").json()["entitlements"]["rewind"], false);
}

TEST_F(Plans, FreeUsersSeeHowManyLikedThemPremiumUsersSeeWho) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  EXPECT_EQ(anonymous("GET", "/api/v1/likes/received").status, 401);

  auto none = get(ana, "/api/v1/likes/received");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.json()["count"], 0);
  ASSERT_EQ(post(ben, "/api/v1/matches/" + id + "/like").status, 200);

  auto counted = get(ana, "/api/v1/likes/received").json();
  EXPECT_EQ(counted["count"], 1);
  EXPECT_EQ(counted["locked"], true);
  EXPECT_TRUE(counted["matches"].empty()) << "free: how many, not who";
  EXPECT_EQ(counted["unlocked_by"], Json::array({"premium"}));
  EXPECT_EQ(get(ben, "/api/v1/likes/received").json()["count"], 0) << "Ben's own like is not one he received";

  make_premium(ana);
  auto who = get(ana, "/api/v1/likes/received").json();
  EXPECT_EQ(who["count"], 1);
  EXPECT_EQ(who["locked"], false);
  ASSERT_EQ(who["matches"].size(), 1u) << who.dump();
  EXPECT_EQ(who["matches"][0]["match_id"], id);
  EXPECT_EQ(who["matches"][0]["user"]["user_id"], ben.user.user_id);

  // Answered (liked back): no longer waiting.
  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/like").status, 200);
  EXPECT_EQ(get(ana, "/api/v1/likes/received").json()["count"], 0);
}

TEST_F(Plans, ABlockedAdmirerIsNotCounted) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  ASSERT_EQ(post(ben, "/api/v1/matches/" + match_between(ana, ben) + "/like").status, 200);
  ASSERT_EQ(get(ana, "/api/v1/likes/received").json()["count"], 1);
  ASSERT_EQ(post(ana, "/api/v1/users/" + ben.user.user_id + "/block").status / 100, 2);
  EXPECT_EQ(get(ana, "/api/v1/likes/received").json()["count"], 0);
}

TEST_F(Plans, RewindUndoesTheLastPassForPremiumOnly) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  EXPECT_EQ(anonymous("POST", "/api/v1/matches/rewind").status, 401);
  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/pass").status, 200);

  expect_premium_required(post(ana, "/api/v1/matches/rewind"), "rewind");
  EXPECT_EQ(matches_of(ana, "?status=rejected")["matches"].size(), 1u) << "refused: nothing changed";

  make_premium(ben);
  EXPECT_EQ(post(ben, "/api/v1/matches/rewind").status, 404) << "Ben cannot rewind Ana's pass";

  make_premium(ana);
  auto rewound = post(ana, "/api/v1/matches/rewind");
  ASSERT_EQ(rewound.status, 200) << rewound.body;
  EXPECT_EQ(rewound.json()["match_id"], id);
  EXPECT_EQ(rewound.json()["status"], "pending");
  EXPECT_EQ(matches_of(ana)["matches"].size(), 1u) << "back in the list (the cache was dropped)";
  EXPECT_EQ(matches_of(ben)["matches"].size(), 1u);
  auto again = post(ana, "/api/v1/matches/rewind");
  EXPECT_EQ(again.status, 404) << again.body;
  EXPECT_EQ(again.json()["type"], "/problems/not-found");

  // An unmatch is not a pass: nothing to rewind.
  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/like").status, 200);
  ASSERT_EQ(post(ben, "/api/v1/matches/" + id + "/like").status, 200);
  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/unmatch").status, 200);
  EXPECT_EQ(post(ana, "/api/v1/matches/rewind").status, 404);
}

// A rewind skips a pass on a banned account (shown to no one): before, it picked that pass, found
// it hidden and answered 404, every time, and the passes before it could never be rewound.
TEST_F(Plans, ARewindSkipsAPassOnABannedAccount) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person carl = person("Carl", "man", "woman", 52.53, 13.41);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string with_ben = match_between(ana, ben), with_carl = match_between(ana, carl);
  ASSERT_EQ(post(ana, "/api/v1/matches/" + with_ben + "/pass").status, 200);
  ASSERT_EQ(post(ana, "/api/v1/matches/" + with_carl + "/pass").status, 200);  // her last pass
  {
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec_params0("UPDATE users SET banned_at = now() WHERE user_id = $1", carl.user.user_id);
  }
  make_premium(ana);
  auto rewound = post(ana, "/api/v1/matches/rewind");
  ASSERT_EQ(rewound.status, 200) << rewound.body;
  EXPECT_EQ(rewound.json()["match_id"], with_ben);
}

// Each pass is kept as an outcome row (training data), which a rewind only marks: a loop of the
// two is bounded.
TEST_F(Plans, RewindsHaveAnHourlyBudget) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  const int budget = matching::Service::kRewindsPerHour.max;
  // Refused tries spend none of it: the free plan's (403), and with no pass to undo (404).
  for (int i = 0; i < budget; ++i) ASSERT_EQ(post(ana, "/api/v1/matches/rewind").status, 403) << "free, try " << i;
  make_premium(ana);
  for (int i = 0; i < budget; ++i) ASSERT_EQ(post(ana, "/api/v1/matches/rewind").status, 404) << "no pass, try " << i;
  for (int i = 0; i < budget; ++i) {
    ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/pass").status, 200) << "pass " << i;
    ASSERT_EQ(post(ana, "/api/v1/matches/rewind").status, 200) << "rewind " << i;
  }
  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/pass").status, 200);
  auto refused = post(ana, "/api/v1/matches/rewind");
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.json()["type"], "/problems/rate-limited");
  EXPECT_EQ(matches_of(ana, "?status=rejected")["matches"].size(), 1u) << "the last pass stands";
  EXPECT_EQ(count("SELECT count(*) FROM match_outcomes WHERE decided_by = $1 AND kind = 'pass'", ana.user.user_id),
            budget + 1);
}

TEST_F(Plans, ARewindNeverBringsBackABlockedPair) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  make_premium(ana);
  ASSERT_EQ(post(ana, "/api/v1/matches/" + match_between(ana, ben) + "/pass").status, 200);
  ASSERT_EQ(post(ben, "/api/v1/users/" + ana.user.user_id + "/block").status / 100, 2);
  EXPECT_EQ(post(ana, "/api/v1/matches/rewind").status, 404);
}

// A pass of a match older than the expiry window is not brought back: pending again it would have
// expired at the worker's next round, the rewind spent for nothing.
TEST_F(Plans, ARewindDoesNotBringBackAMatchPastItsExpiry) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  make_premium(ana);
  const std::string id = match_between(ana, ben);
  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/pass").status, 200);
  const auto made_days_ago = [&](int days) {
    auto conn = db_.connect();
    pqxx::nontransaction(conn).exec_params0(
        "UPDATE matches SET created_at = now() - make_interval(days => $2) WHERE match_id = $1", id, days);
  };
  made_days_ago(15);  // the window is 14 days (PM_MATCH_EXPIRY_DAYS)
  auto refused = post(ana, "/api/v1/matches/rewind");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.json()["type"], "/problems/match-closed");
  EXPECT_NE(refused.json()["detail"].get<std::string>().find("14 days"), std::string::npos) << refused.body;
  EXPECT_EQ(matches_of(ana, "?status=rejected")["matches"].size(), 1u) << "the pass stands";

  made_days_ago(13);
  auto rewound = post(ana, "/api/v1/matches/rewind");
  ASSERT_EQ(rewound.status, 200) << rewound.body;
  ASSERT_TRUE(server_->app().discovery.expire().has_value());
  EXPECT_EQ(matches_of(ana, "?status=pending")["matches"].size(), 1u) << "still pending after the expiry round";
}

// Plans are data edited by hand: a likes_per_day of 50.0 or "50" was read as no limit (free likes
// for every free account), and a switch of "yes" failed every gated request with a 500. The
// database now refuses an entitlement of the wrong type.
TEST_F(Plans, AnEntitlementOfTheWrongTypeIsRefusedByTheDatabase) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, Json>>{{"likes_per_day", 50.0},
                                                                            {"likes_per_day", "50"},
                                                                            {"likes_per_day", -1},
                                                                            {"generations_per_day", nullptr},
                                                                            {"generations_per_day", 2.5},
                                                                            {"rewind", "yes"},
                                                                            {"full_insights", 1}})
    EXPECT_THROW(set_entitlement("free", key, value), pqxx::check_violation) << key << " = " << value.dump();
  // What the plans hold, and what is meant: whole numbers, switches, and "no limit".
  for (const auto& [key, value] : std::vector<std::pair<std::string, Json>>{
           {"likes_per_day", 10}, {"likes_per_day", nullptr}, {"generations_per_day", 0}, {"rewind", true}})
    EXPECT_NO_THROW(set_entitlement("free", key, value)) << key << " = " << value.dump();
}

TEST_F(Plans, FreeLikesHaveADailyBudgetPremiumHasNone) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person carl = person("Carl", "man", "woman", 52.50, 13.41);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  set_entitlement("free", "likes_per_day", 1);  // plans are data
  ASSERT_EQ(post(ana, "/api/v1/matches/" + match_between(ana, ben) + "/like").status, 200);
  auto refused = post(ana, "/api/v1/matches/" + match_between(ana, carl) + "/like");
  expect_premium_required(refused, "likes_per_day");
  EXPECT_GT(refused.json().value("retry_after", 0), 0);
  EXPECT_LE(refused.json().value("retry_after", 0), 86400);
  EXPECT_FALSE(matches_of(ana)["matches"][0]["you_liked"] && matches_of(ana)["matches"][1]["you_liked"]);

  make_premium(ana);
  EXPECT_EQ(post(ana, "/api/v1/matches/" + match_between(ana, carl) + "/like").status, 200) << "no limit";
}

TEST_F(Plans, EveryGatedPlaceFollowsThePlansData) {
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  const std::string id = match_between(ana, ben);
  ASSERT_EQ(post(ben, "/api/v1/matches/" + id + "/like").status, 200);
  EXPECT_FALSE(get(ana, "/api/v1/matches/" + id).json()["insights"].contains("detailedAnalysis"));

  // The free plan made generous: every gate opens without anyone paying.
  for (const char* key : {"full_insights", "who_liked_me", "rewind", "premium_questions"})
    set_entitlement("free", key, true);
  auto detail = get(ana, "/api/v1/matches/" + id).json();
  EXPECT_TRUE(detail["insights"].contains("detailedAnalysis")) << detail.dump();
  EXPECT_EQ(get(ana, "/api/v1/likes/received").json()["matches"].size(), 1u);
  auto premium_question =
      server_->request("PUT", "/api/v1/questionnaire/answers/" + qid("t_q8"), R"({"value": true})", ana.user.auth());
  EXPECT_EQ(premium_question.status, 200) << premium_question.body;
  ASSERT_EQ(post(ana, "/api/v1/matches/" + id + "/pass").status, 200);
  EXPECT_EQ(post(ana, "/api/v1/matches/rewind").status, 200);

  // And the generations per day come from the plan too.
  set_entitlement("free", "generations_per_day", 1);
  EXPECT_EQ(post(ana, "/api/v1/matches/generate").status, 200);
  auto limited = post(ana, "/api/v1/matches/generate");
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_NE(limited.json()["detail"].get<std::string>().find("1 a day on the free plan"), std::string::npos);
}
