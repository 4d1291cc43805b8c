// The learned ranking in serving (issue 15; docs/matching.md "The learned ranking"), on the real
// stores: `perfectmatch learn` skips below PM_LEARN_MIN_OUTCOMES, then stores a version that a
// node started before it picks up without a restart and a restarted node loads; a corrupt row is
// refused and the node keeps its model; deleting the newest row rolls back. With a model, new
// matches are chosen by mutual interest and matches.ranking names the version, while the score
// people see stays the questionnaire's; a brand-new person still gets exploration slots; and one
// person is added to at most PM_EXPOSURE_CAP_PER_DAY feeds a day, without touching mutual matches.
// GET /matches lists in the order generation decided (the model's, not the score's), pages
// through it with cursors that name only a match of the caller's, and shows a new generation's
// order at once despite its caches.

#include <algorithm>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "matching/learning/reciprocal_model.hpp"
#include "support/eventually.hpp"
#include "support/matching_api.hpp"
#include "support/processes.hpp"

using namespace pm;
using Json = nlohmann::json;
using test::Person;

namespace {

// The node's pm_matching_model_version, as its /metrics shows it (-1: absent).
long long model_version_of(test::TestServer& server) {
  return test::metric(server.port(), "pm_matching_model_version");
}

// Waits (up to a minute: a loaded machine) until the node ranks with `version`.
bool reaches_version(test::TestServer& server, long long version) {
  return test::eventually([&] { return model_version_of(server) == version; }, std::chrono::minutes(1),
                          std::chrono::milliseconds(100));
}

// A model in which made-up raters liked each of `liked` and passed on each of `passed`, `n` times.
matching::learning::ReciprocalModel model_liking(const std::vector<std::string>& liked,
                                                 const std::vector<std::string>& passed, int n = 30) {
  std::vector<matching::learning::Outcome> outcomes;
  std::int64_t t = 1'700'000'000;
  for (int r = 0; r < n; ++r) {
    const std::string rater = "rater-" + std::to_string(r);
    for (const auto& id : liked) outcomes.push_back({.a = rater, .b = id, .liked = true, .at = ++t});
    for (const auto& id : passed) outcomes.push_back({.a = rater, .b = id, .liked = false, .at = ++t});
  }
  auto unknown = [](const std::string&, const std::string&) -> std::optional<matching::learning::PairFeatures> {
    return std::nullopt;
  };
  return matching::learning::ReciprocalModel::train(outcomes, unknown, {}, t);
}

class LearnedRanking : public test::MatchingApi {
 protected:
  void configure(Config& c) override {
    c.learn_min_outcomes = 3;
    c.model_poll = Millis(100);
    c.exploration_every = 0;
    c.matches_per_user = 1;
  }
  std::string learn() {
    auto run = test::run_command(test::process_env(config_) + "PM_LEARN_MIN_OUTCOMES=3 " + test::binary_path() +
                                 " learn 2>&1");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    return run.output;
  }
  long long scalar(const std::string& sql) {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    auto r = tx.exec1(sql);
    tx.commit();
    return r[0].is_null() ? 0 : r[0].as<long long>();
  }
  long long stored_versions() { return scalar("SELECT count(*) FROM matching_models"); }
  long long newest_version() { return scalar("SELECT max(version) FROM matching_models"); }
  std::string ranking_of(const std::string& match_id) {
    auto conn = db_.connect();
    pqxx::nontransaction q(conn);
    return q.exec_params1("SELECT ranking FROM matches WHERE match_id = $1", match_id)[0].as<std::string>();
  }
};

TEST_F(LearnedRanking, LearnStoresAVersionThatRunningAndRestartedNodesRankWith) {
  EXPECT_EQ(model_version_of(*server_), 0) << "nothing stored: the questionnaire ranks";
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  const std::string ana_ben = match_between(ana, ben);
  EXPECT_EQ(ranking_of(ana_ben), "questionnaire-v1");

  // One outcome (Ana's like): too few.
  ASSERT_EQ(post(ana, "/api/v1/matches/" + ana_ben + "/like").status, 200);
  EXPECT_NE(learn().find("skipped"), std::string::npos);
  EXPECT_EQ(stored_versions(), 0);

  Person cas = person("Cas", "man", "woman", 52.50, 13.41);
  const std::string ana_cas = match_between(cas, ana);
  ASSERT_EQ(post(ben, "/api/v1/matches/" + ana_ben + "/like").status, 200);
  ASSERT_EQ(post(cas, "/api/v1/matches/" + ana_cas + "/pass").status, 200);
  // Three training examples: Ana's like, Ben's like (its mutual-match row is left out), Cas's pass.
  const std::string trained = learn();
  EXPECT_NE(trained.find("model version"), std::string::npos) << trained;
  EXPECT_EQ(stored_versions(), 1);
  const long long v1 = newest_version();
  // The calibrated cold-start score is stored with the version and explained by its weights.
  for (const char* feature : {"questionnaire", "age_fit", "evidence", "suits_high"})
    EXPECT_NE(trained.find(std::string("  ") + feature + " "), std::string::npos) << feature << " in " << trained;
  EXPECT_EQ(scalar("SELECT format FROM matching_models WHERE version = " + std::to_string(v1)), 2);
  EXPECT_EQ(
      scalar("SELECT jsonb_array_length(metrics->'cold_start'->'features') FROM matching_models WHERE version = " +
             std::to_string(v1)),
      8);

  // The node started before the training swaps the new version in while it runs.
  EXPECT_TRUE(reaches_version(*server_, v1)) << "still " << model_version_of(*server_);
  // A node started now loads it at start-up.
  {
    test::TestServer restarted(config_);
    EXPECT_EQ(model_version_of(restarted), v1);
  }

  // A corrupt row (or another format) is refused: the node keeps the model it has.
  {
    auto conn = db_.connect();
    pqxx::work tx(conn);
    tx.exec("INSERT INTO matching_models (outcomes, format, model) VALUES (3, 1, '\\x504d00ff'::bytea)");
    tx.commit();
  }
  auto polled = server_->app().models.poll();
  ASSERT_TRUE(polled) << polled.error().detail;
  EXPECT_FALSE(*polled);
  EXPECT_EQ(model_version_of(*server_), v1);
  {
    test::TestServer restarted(config_);
    EXPECT_EQ(model_version_of(restarted), v1) << "a restarted node skips the refused row for the newest that loads";
  }

  // Rollback: deleting the newest good version brings every node back to the one before.
  learn();
  const long long v3 = newest_version();
  ASSERT_GT(v3, v1 + 1);
  EXPECT_TRUE(reaches_version(*server_, v3));
  scalar("WITH gone AS (DELETE FROM matching_models WHERE version = " + std::to_string(v3) +
         " RETURNING 1) SELECT count(*) FROM gone");
  EXPECT_TRUE(reaches_version(*server_, v1)) << "still " << model_version_of(*server_);
}

TEST_F(LearnedRanking, TheModelChoosesNewMatchesAndMatchesRankingNamesTheVersion) {
  // Three women the questionnaire cannot tell apart (the same answers): it would take the first by id.
  std::vector<Person> women;
  for (const char* name : {"Wia", "Wen", "Wyn"}) women.push_back(person(name, "woman", "man", 52.51, 13.39));
  std::sort(women.begin(), women.end(),
            [](const Person& a, const Person& b) { return a.user.user_id < b.user.user_id; });
  const Person& liked = women.back();  // last by the questionnaire's order
  auto stored = server_->app().models.store(
      model_liking({liked.user.user_id}, {women[0].user.user_id, women[1].user.user_id}), 90, Json::object(), 5);
  ASSERT_TRUE(stored) << stored.error().detail;

  Person max = person("Max", "man", "woman", 52.52, 13.40);  // one match (PM_MATCHES_PER_USER=1)
  auto feed = matches_of(max);
  ASSERT_EQ(feed["matches"].size(), 1u) << feed.dump();
  EXPECT_EQ(feed["matches"][0]["user"]["user_id"], liked.user.user_id) << "the model's choice, not the first by id";
  EXPECT_EQ(ranking_of(feed["matches"][0]["match_id"]), "reciprocal-v" + std::to_string(*stored));
  // What people see is the questionnaire's explainable score, never a probability.
  const std::string shown =
      feed.dump() + get(max, "/api/v1/matches/" + feed["matches"][0]["match_id"].get<std::string>()).body;
  for (const char* hidden : {"\"mutual\"", "p_a_likes_b", "p_b_likes_a", "desirability", "reciprocal-v"})
    EXPECT_EQ(shown.find(hidden), std::string::npos) << hidden << " in " << shown;
  EXPECT_GT(feed["matches"][0]["compatibility_score"].get<double>(), 0);
}

TEST_F(LearnedRanking, TheWorkerTrainsOnItsScheduleOnceAnInterval) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person cas = person("Cas", "man", "woman", 52.50, 13.41);
  ASSERT_EQ(post(ana, "/api/v1/matches/" + match_between(ana, ben) + "/like").status, 200);
  ASSERT_EQ(post(ben, "/api/v1/matches/" + match_between(ana, ben) + "/like").status, 200);
  ASSERT_EQ(post(cas, "/api/v1/matches/" + match_between(cas, ana) + "/pass").status, 200);
  const std::string worker = test::process_env(config_) + "PM_LEARN_MIN_OUTCOMES=3 PM_LEARN_INTERVAL_HOURS=24 " +
                             test::binary_path() + " worker --once 2>&1";
  auto first = test::run_command(worker);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(stored_versions(), 1) << first.output;
  EXPECT_TRUE(reaches_version(*server_, newest_version()));
  // Within the interval the job is not due again (one training for all workers).
  auto second = test::run_command(worker);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(stored_versions(), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM jobs WHERE kind = 'train_model' AND status = 'done'"), 1);
}

// A banned account is a scam or a fake: its decisions do not train the model, nor does its id end up
// in it. Before, every outcome was read, the banned bot's hundreds of likes included.
TEST_F(LearnedRanking, ABannedAccountsDecisionsDoNotTrainTheModel) {
  Person ana = person("Ana", "woman", "man", 52.51, 13.39);
  Person ben = person("Ben", "man", "woman", 52.52, 13.40);
  Person cas = person("Cas", "man", "woman", 52.50, 13.41);
  Person dan = person("Dan", "man", "woman", 52.50, 13.40);
  ASSERT_EQ(post(ana, "/api/v1/matches/" + match_between(ana, ben) + "/like").status, 200);
  ASSERT_EQ(post(ben, "/api/v1/matches/" + match_between(ana, ben) + "/like").status, 200);
  ASSERT_EQ(post(cas, "/api/v1/matches/" + match_between(cas, ana) + "/like").status, 200);
  ASSERT_EQ(post(dan, "/api/v1/matches/" + match_between(dan, ana) + "/pass").status, 200);
  scalar("UPDATE users SET banned_at = now() WHERE user_id = '" + cas.user.user_id + "' RETURNING 1");
  const std::string trained = learn();
  ASSERT_NE(trained.find("model version"), std::string::npos) << trained;
  EXPECT_NE(trained.find("trained on 3 outcomes"), std::string::npos) << "Cas's like left out: " << trained;
  ASSERT_TRUE(reaches_version(*server_, newest_version()));
  const auto model = server_->app().models.current();
  ASSERT_TRUE(model);
  EXPECT_FALSE(model->model.knows(cas.user.user_id)) << "the banned account's id is in the model";
  EXPECT_TRUE(model->model.knows(dan.user.user_id));
}

// A stored version names users (their ids, counts and factors): it goes after PM_MODEL_MAX_AGE_DAYS,
// the one ranking included, though no newer training rotated it out (too few outcomes, training
// off). Before, a deleted account's id stayed in such a version for as long as nothing was trained.
TEST_F(LearnedRanking, TheWorkerDeletesStoredVersionsOlderThanTheirAgeLimit) {
  ASSERT_TRUE(server_->app().models.store(model_liking({"someone-deleted"}, {"x"}), 60, Json::object(), 5));
  const long long old_version = newest_version();
  ASSERT_TRUE(server_->app().models.store(model_liking({"someone"}, {"y"}), 60, Json::object(), 5));
  const long long new_version = newest_version();
  scalar("UPDATE matching_models SET trained_at = now() - interval '8 days' WHERE version = " +
         std::to_string(old_version) + " RETURNING 1");
  const std::string worker = test::process_env(config_) + "PM_LEARN_INTERVAL_HOURS=0 PM_MODEL_MAX_AGE_DAYS=7 " +
                             test::binary_path() + " worker --once 2>&1";
  auto first = test::run_command(worker);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(stored_versions(), 1) << "the old version went, the recent one stays";
  EXPECT_EQ(newest_version(), new_version);
  EXPECT_TRUE(reaches_version(*server_, new_version));

  // The one ranking ages out too: nodes go back to the questionnaire's ranking.
  scalar("UPDATE matching_models SET trained_at = now() - interval '8 days' RETURNING 1");
  auto second = test::run_command(worker);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(stored_versions(), 0);
  EXPECT_TRUE(reaches_version(*server_, 0));
}

// Three matches a person, no exploration: the list's order is the model's alone.
class LearnedListOrder : public LearnedRanking {
 protected:
  void configure(Config& c) override {
    LearnedRanking::configure(c);
    c.matches_per_user = 3;
  }
  // The other people in `feed`, in its order.
  static std::vector<std::string> people_in(const Json& feed) {
    std::vector<std::string> ids;
    for (const auto& m : feed.value("matches", Json::array())) ids.push_back(m["user"]["user_id"]);
    return ids;
  }
  static std::vector<double> scores_in(const Json& feed) {
    std::vector<double> scores;
    for (const auto& m : feed.value("matches", Json::array())) scores.push_back(m["compatibility_score"]);
    return scores;
  }
  // Women the questionnaire ranks best first for a man who tells the truth always: "always",
  // "mostly", "rarely" (t_q7).
  std::vector<Person> women_by_score() {
    return {person("Hana", "woman", "man", 52.51, 13.39, "always"),
            person("Mira", "woman", "man", 52.51, 13.39, "mostly"),
            person("Lea", "woman", "man", 52.51, 13.39, "rarely")};
  }
};

TEST_F(LearnedListOrder, TheListIsInTheModelsOrderNotTheScoresAndItsPagesCoverItOnce) {
  const auto women = women_by_score();
  const std::vector<std::string> by_score = {women[0].user.user_id, women[1].user.user_id, women[2].user.user_id};
  // Without a model: today's order, best score first.
  Person ned = person("Ned", "man", "woman", 52.52, 13.40);
  const Json neds = matches_of(ned);
  ASSERT_EQ(people_in(neds), by_score) << neds.dump();
  const auto ned_scores = scores_in(neds);
  ASSERT_GT(ned_scores[0], ned_scores[1]) << neds.dump();
  ASSERT_GT(ned_scores[1], ned_scores[2]) << neds.dump();

  // A model for which Lea (the lowest score) is liked by all and Hana (the best) by nobody.
  auto stored = server_->app().models.store(model_liking({by_score[2]}, {by_score[0]}), 60, Json::object(), 5);
  ASSERT_TRUE(stored) << stored.error().detail;
  Person max = person("Max", "man", "woman", 52.52, 13.40);
  const std::vector<std::string> by_model = {by_score[2], by_score[1], by_score[0]};
  const Json first = matches_of(max);
  EXPECT_EQ(first["source"], "database");
  EXPECT_EQ(people_in(first), by_model) << "the model's order, not the score's: " << first.dump();
  const auto scores = scores_in(first);
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_LT(scores[0], scores[1]) << "the scores shown stay the questionnaire's, so they now rise";
  EXPECT_LT(scores[1], scores[2]);
  const Json cached = matches_of(max);
  EXPECT_EQ(cached["source"], "cache");
  EXPECT_EQ(people_in(cached), by_model);

  // One match a page, every status: each once, in that order; the cursor is the last match's id,
  // nothing from which the order's key could be read.
  for (const std::string status : {"", "&status=all", "&status=pending"}) {
    std::vector<std::string> seen;
    std::string query = "?limit=1" + status;
    for (int page = 0; page < 5; ++page) {
      auto res = get(max, "/api/v1/matches" + query);
      ASSERT_EQ(res.status, 200) << res.body;
      const Json body = res.json();
      for (const char* hidden : {"mutual", "rank", "reciprocal", "p_a_likes_b"})
        EXPECT_EQ(res.body.find(hidden), std::string::npos) << hidden << " in " << res.body;
      for (const auto& id : people_in(body)) seen.push_back(id);
      if (body["next_cursor"].is_null()) break;
      ASSERT_EQ(body["matches"].size(), 1u);
      EXPECT_EQ(body["next_cursor"], body["matches"][0]["match_id"]);
      query = "?limit=1" + status + "&cursor=" + body["next_cursor"].get<std::string>();
    }
    EXPECT_EQ(seen, by_model) << status;
  }
  const std::string max_lea = match_between(max, women[2]);
  auto second_page = matches_of(max, "?limit=2&cursor=" + max_lea);
  EXPECT_EQ(people_in(second_page), (std::vector<std::string>{by_score[1], by_score[0]}));

  // A cursor that is not one of Max's matches: someone else's, absent, garbage or the old
  // score_id form; the same 400 for each, and nothing of Ned's list.
  const std::string neds_match = neds["matches"][0]["match_id"];
  for (const std::string& forged :
       {neds_match, crypto::uuid_v4(), std::string("garbage"), "100_" + max_lea, std::string("")}) {
    auto res = get(max, "/api/v1/matches?cursor=" + forged);
    EXPECT_EQ(res.status, 400) << forged << ": " << res.body;
    EXPECT_EQ(res.header("content-type"), "application/problem+json") << forged;
    EXPECT_EQ(res.json()["type"], "/problems/validation-failed") << res.body;
  }
  // Ned's own cursor still pages Ned's list.
  EXPECT_EQ(people_in(matches_of(ned, "?cursor=" + neds_match)), (std::vector<std::string>{by_score[1], by_score[2]}));

  // Logged out, or suspended: refused before any cursor is looked at.
  EXPECT_EQ(server_->request("GET", "/api/v1/matches?cursor=" + max_lea).status, 401);
  suspend(max);
  EXPECT_EQ(get(max, "/api/v1/matches?cursor=" + max_lea).status, 401);
}

TEST_F(LearnedListOrder, ModelRankedMatchesComeFirstAndANewOneShowsAtOnceDespiteTheCaches) {
  Person hana = person("Hana", "woman", "man", 52.51, 13.39, "always");
  Person mira = person("Mira", "woman", "man", 52.51, 13.39, "mostly");
  Person ned = person("Ned", "man", "woman", 52.52, 13.40);
  const std::vector<std::string> before = {hana.user.user_id, mira.user.user_id};
  ASSERT_EQ(people_in(matches_of(ned)), before);
  const Json kept = matches_of(ned);  // Redis holds the list; this node keeps the rendered page
  ASSERT_EQ(kept["source"], "cache");
  ASSERT_EQ(people_in(kept), before);

  // A model is stored, then a newcomer with a lower score joins: her generation adds Ned's third
  // match, model-ranked, which goes above the two questionnaire-ranked ones.
  auto stored = server_->app().models.store(model_liking({"someone"}, {hana.user.user_id, mira.user.user_id}), 60,
                                            Json::object(), 5);
  ASSERT_TRUE(stored) << stored.error().detail;
  Person lea = person("Lea", "woman", "man", 52.51, 13.39, "rarely");
  const Json after = matches_of(ned);
  EXPECT_EQ(people_in(after), (std::vector<std::string>{lea.user.user_id, hana.user.user_id, mira.user.user_id}))
      << after.dump();
  EXPECT_LT(scores_in(after)[0], scores_in(after)[2]) << after.dump();
  EXPECT_EQ(ranking_of(match_between(ned, lea)), "reciprocal-v" + std::to_string(*stored));
  EXPECT_EQ(people_in(matches_of(ned)), people_in(after)) << "and so from the cache";
}

class Exploration : public test::MatchingApi {
 protected:
  void configure(Config& c) override {
    c.matches_per_user = 2;
    c.exploration_every = 2;  // the second slot of each feed
    c.exploration_max_decisions = 20;
  }
};

TEST_F(Exploration, ABrandNewPersonAppearsInOthersFeedsThoughTheModelRanksThemLow) {
  Person wia = person("Wia", "woman", "man", 52.51, 13.39);
  Person wen = person("Wen", "woman", "man", 52.51, 13.39);
  Person nia = person("Nia", "woman", "man", 52.51, 13.39);  // no outcomes at all
  auto model = model_liking({wia.user.user_id, wen.user.user_id}, {"someone-passed-on"});
  auto stored = server_->app().models.store(model, 60, Json::object(), 5);
  ASSERT_TRUE(stored) << stored.error().detail;
  // The model alone would fill both slots with Wia and Wen.
  const std::string probe = "someone-new";
  const auto close = matching::learning::questionnaire_only(0.8f);
  EXPECT_LT(model.predict(probe, nia.user.user_id, close, close).mutual,
            model.predict(probe, wia.user.user_id, close, close).mutual);
  EXPECT_LT(model.predict(probe, nia.user.user_id, close, close).mutual,
            model.predict(probe, wen.user.user_id, close, close).mutual);

  Person max = person("Max", "man", "woman", 52.52, 13.40);
  auto feed = matches_of(max);
  ASSERT_EQ(feed["matches"].size(), 2u) << feed.dump();
  std::vector<std::string> shown;
  for (const auto& m : feed["matches"]) shown.push_back(m["user"]["user_id"]);
  EXPECT_NE(std::find(shown.begin(), shown.end(), nia.user.user_id), shown.end()) << feed.dump();
  auto conn = db_.connect();
  pqxx::nontransaction q(conn);
  EXPECT_EQ(
      q.exec_params1("SELECT ranking FROM matches WHERE match_id = $1", match_between(max, nia))[0].as<std::string>(),
      "reciprocal-v" + std::to_string(*stored) + "-explore");
}

class ExposureCap : public test::MatchingApi {
 protected:
  void configure(Config& c) override { c.exposure_cap_per_day = 2; }
};

TEST_F(ExposureCap, APopularPersonStopsBeingAddedOnceTheCapIsReachedButKeepsTheirMatches) {
  // The cap counts by UTC day, and a test that straddled midnight would count in two. It takes
  // seconds: that close to midnight, it starts after it.
  const auto now = std::chrono::system_clock::now();
  if (const auto to_midnight = std::chrono::ceil<std::chrono::days>(now) - now; to_midnight < std::chrono::minutes(1))
    std::this_thread::sleep_for(to_midnight + std::chrono::seconds(1));
  Person pia = person("Pia", "woman", "man", 52.51, 13.39);
  Person max1 = person("Max", "man", "woman", 52.52, 13.40);  // Pia: in 1 feed today
  Person max2 = person("Mo", "man", "woman", 52.52, 13.40);   // 2: the cap
  // Max and Pia like each other: an active match.
  const std::string mutual = match_between(max1, pia);
  ASSERT_EQ(post(max1, "/api/v1/matches/" + mutual + "/like").status, 200);
  ASSERT_EQ(post(pia, "/api/v1/matches/" + mutual + "/like").status, 200);

  Person wen = person("Wen", "woman", "man", 52.51, 13.39);  // new, matched with Max and Mo (her count: 0)
  Person max3 = person("Mats", "man", "woman", 52.52, 13.40);
  std::vector<std::string> shown;
  const Json feed = matches_of(max3, "?status=all");
  for (const auto& m : feed["matches"]) shown.push_back(m["user"]["user_id"]);
  EXPECT_EQ(std::find(shown.begin(), shown.end(), pia.user.user_id), shown.end())
      << "Pia is in 2 new feeds today already";
  EXPECT_NE(std::find(shown.begin(), shown.end(), wen.user.user_id), shown.end()) << "Wen is below the cap";

  // The cap limits additions only: Max and Pia still see their mutual match.
  bool still = false;
  const Json max_feed = matches_of(max1);
  for (const auto& m : max_feed["matches"]) still |= m["match_id"] == mutual && m["status"] == "active";
  EXPECT_TRUE(still);
}

class ExposureCapOneMatch : public test::MatchingApi {
 protected:
  void configure(Config& c) override {
    c.exposure_cap_per_day = 1;
    c.matches_per_user = 1;
  }
};

TEST_F(ExposureCapOneMatch, WhenTheCapHoldsBackEveryoneOfTheFirstDrawTheNextBestStillComes) {
  const auto now = std::chrono::system_clock::now();
  if (const auto to_midnight = std::chrono::ceil<std::chrono::days>(now) - now; to_midnight < std::chrono::minutes(1))
    std::this_thread::sleep_for(to_midnight + std::chrono::seconds(1));
  // Cleo and Dora tell the truth always; Lou mostly, so a man who accepts only "always" ranks her
  // below both. A search draws the best 2 first (1 wanted and a quarter more).
  Person cleo = person("Cleo", "woman", "man", 52.51, 13.39);
  Person dora = person("Dora", "woman", "man", 52.51, 13.39);
  Person max = person("Max", "man", "woman", 52.52, 13.40);  // takes one of them: at the cap
  Person mo = person("Mo", "man", "woman", 52.52, 13.40);    // the other one: at the cap too
  std::vector<std::string> taken;
  for (const Person* m : {&max, &mo}) {
    const Json feed = matches_of(*m, "?status=all");
    ASSERT_EQ(feed["matches"].size(), 1u) << feed.dump();
    taken.push_back(feed["matches"][0]["user"]["user_id"]);
  }
  ASSERT_NE(taken[0], taken[1]) << "Mo was given the woman the cap holds back";
  Person lou = person("Lou", "woman", "man", 52.51, 13.39, "mostly");
  // Sam's best two are Cleo and Dora, both held back today: Lou, third, is his match.
  Person sam = person("Sam", "man", "woman", 52.52, 13.40, "always", Json::array({"always"}));
  const Json feed = matches_of(sam, "?status=all");
  ASSERT_EQ(feed["matches"].size(), 1u) << feed.dump();
  EXPECT_EQ(feed["matches"][0]["user"]["user_id"], lou.user.user_id) << feed.dump();
}

}  // namespace
