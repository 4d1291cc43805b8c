// The behaviour simulator and the evaluation: on held-out simulated decisions, the blended model
// ranks better than the questionnaire alone; and `perfectmatch score --outcomes` trains and scores
// end to end with the same code, refusing a bad line by its number.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "demo/simulator.hpp"
#include "matching/learning/evaluation.hpp"
#include "matching/learning/metrics.hpp"
#include "support/matching_fixture.hpp"
#include "support/processes.hpp"

using namespace pm;
using namespace pm::matching::learning;

namespace {

const std::chrono::year_month_day kToday{std::chrono::year(2026), std::chrono::January, std::chrono::day(1)};
const std::string kBank = std::string(PM_SOURCE_DIR) + "/data/questions/perfect-match.json";

TEST(Metrics, AucIsTheShareOfPositiveNegativePairsInOrder) {
  const std::vector<double> scores = {0.1, 0.4, 0.35, 0.8};
  const std::vector<char> positive = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(auc(scores, positive), 0.75);
  EXPECT_DOUBLE_EQ(auc(std::vector<double>{1, 1}, std::vector<char>{0, 1}), 0.5);  // a tie counts half
  EXPECT_DOUBLE_EQ(precision_at(scores, positive, 2), 0.5);
}

TEST(Simulator, TheSameSeedGivesTheSameOutcomes) {
  auto bank = test::perfect_match_scoring_bank();
  demo::SimulationOptions options{.seed = 3, .users = 150, .pairs_per_user = 10};
  auto first = demo::simulate_outcomes(*bank, demo::simulate_people(*bank, options, kToday), options);
  auto again = demo::simulate_outcomes(*bank, demo::simulate_people(*bank, options, kToday), options);
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(first.size(), again.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].a, again[i].a);
    EXPECT_EQ(first[i].liked, again[i].liked);
  }
  const auto likes = std::count_if(first.begin(), first.end(), [](const Outcome& o) { return o.liked; });
  EXPECT_GT(likes, 0);
  EXPECT_LT(likes, static_cast<long>(first.size()));
}

TEST(Evaluation, TheBlendedModelBeatsTheQuestionnaireOnHeldOutDecisions) {
  auto bank = test::perfect_match_scoring_bank();
  demo::SimulationOptions options{.seed = 11, .users = 1500, .pairs_per_user = 25};
  auto people = demo::simulate_people(*bank, options, kToday);
  auto outcomes = demo::simulate_outcomes(*bank, people, options);
  auto features = demo::pair_features_of(*bank, people);
  TrainingParams params;
  params.epochs = 10;  // enough to show the ordering, and fast
  auto report = evaluate(outcomes, features, {.params = params});
  ASSERT_GT(report.test_decisions, 1000u);
  const double questionnaire = report.ranking("questionnaire").auc_like;
  EXPECT_GT(questionnaire, 0.5) << "the questionnaire has some predictive power";
  EXPECT_GT(report.ranking("blended").auc_like, questionnaire + 0.05) << report.to_json().dump();
  EXPECT_GT(report.ranking("blended").auc_mutual, report.ranking("questionnaire").auc_mutual)
      << report.to_json().dump();
}

struct ScoreCommand : ::testing::Test {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("pm-learn-" + crypto::random_hex(4));
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string file(const std::string& name) const { return (dir / name).string(); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(file(name)) << text; }
};

TEST_F(ScoreCommand, TrainsOnOutcomesAndAddsTheModelsPredictionsToEachPair) {
  auto sim = test::run_binary({"simulate", "--bank", kBank, "--users", "60", "--pairs-per-user", "8", "--out",
                               file("outcomes.jsonl"), "--users-out", file("users.jsonl")});
  ASSERT_EQ(sim.exit_code, 0) << sim.output;
  write("pairs.jsonl", "{\"a\": \"sim1\", \"b\": \"sim2\"}\n{\"a\": \"sim3\", \"b\": \"sim4\"}\n");
  auto run =
      test::run_binary({"score", "--bank", kBank, "--users", file("users.jsonl"), "--outcomes", file("outcomes.jsonl"),
                        "--pairs", file("pairs.jsonl"), "--model-out", file("model.bin")});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::vector<Json> lines;
  std::istringstream out(run.output);
  for (std::string line; std::getline(out, line);)
    if (!line.empty() && line[0] == '{') lines.push_back(Json::parse(line));
  ASSERT_EQ(lines.size(), 2u) << run.output;
  EXPECT_EQ(lines[0]["a"], "sim1");
  EXPECT_TRUE(lines[0].contains("score")) << "today's fields stay";
  for (const auto& line : lines) {
    const double ab = line["p_a_likes_b"], ba = line["p_b_likes_a"];
    EXPECT_GT(ab, 0);
    EXPECT_LT(ab, 1);
    EXPECT_DOUBLE_EQ(line["mutual"].get<double>(), ab * ba);
    // The calibrated cold-start score alone, each way, beside the blend it is part of.
    for (const char* key : {"calibrated_a_likes_b", "calibrated_b_likes_a"}) {
      ASSERT_TRUE(line[key].is_number()) << line.dump();
      EXPECT_GT(line[key].get<double>(), 0);
      EXPECT_LT(line[key].get<double>(), 1);
    }
  }

  // The saved model gives the same numbers without training again.
  auto again = test::run_binary({"score", "--bank", kBank, "--users", file("users.jsonl"), "--model", file("model.bin"),
                                 "--pairs", file("pairs.jsonl")});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find(lines[0]["p_a_likes_b"].dump()), std::string::npos) << again.output;
}

TEST_F(ScoreCommand, ABadOutcomeLineIsNamedByItsNumber) {
  ASSERT_EQ(test::run_binary({"simulate", "--bank", kBank, "--users", "20", "--out", file("o.jsonl"), "--users-out",
                              file("users.jsonl")})
                .exit_code,
            0);
  write("outcomes.jsonl",
        "{\"a\": \"sim1\", \"b\": \"sim2\", \"liked\": true, \"time\": 1}\n"
        "{\"a\": \"sim1\", \"b\": \"sim3\", \"liked\": \"yes\", \"time\": 2}\n");
  auto run = test::run_binary(
      {"score", "--bank", kBank, "--users", file("users.jsonl"), "--outcomes", file("outcomes.jsonl")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("outcomes.jsonl:2:"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("liked"), std::string::npos) << run.output;

  write("model.bin", "PMRM garbage");
  auto bad_model =
      test::run_binary({"score", "--bank", kBank, "--users", file("users.jsonl"), "--model", file("model.bin")});
  EXPECT_EQ(bad_model.exit_code, 1);
  EXPECT_NE(bad_model.output.find("not a usable reciprocal model"), std::string::npos) << bad_model.output;
}

}  // namespace

// A score that is not a number (a model gone wrong) ranks lowest: before, auc's loop over ties never
// ended on one (NaN equals nothing, itself included), and the worker's training hung with it.
TEST(LearningMetrics, AScoreThatIsNotANumberRanksLowest) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> scores = {nan, 0.5, 0.2, nan};
  const std::vector<char> liked = {1, 0, 1, 0};
  // ranks: the two NaN tied at 1.5, 0.2 at 3, 0.5 at 4; the positives' sum 4.5: U = 4.5 - 3 = 1.5 of 4
  EXPECT_DOUBLE_EQ(pm::matching::learning::auc(scores, liked), 0.375);
  EXPECT_DOUBLE_EQ(pm::matching::learning::precision_at(scores, liked, 2), 0.5);  // 0.5 (no), 0.2 (yes)
}
