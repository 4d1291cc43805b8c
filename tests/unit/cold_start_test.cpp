// The calibrated cold-start score (matching/learning/cold_start.hpp): fitted on outcomes, it finds
// the feature that really drives decisions and leaves the others near zero; it beats today's
// questionnaire score on held-out simulated decisions where the age in one's stated range sways
// them, and loses nothing where it does not; it is stored with the model and explained by name.

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "demo/simulator.hpp"
#include "matching/learning/cold_start.hpp"
#include "matching/learning/evaluation.hpp"
#include "matching/learning/questionnaire_feature.hpp"
#include "matching/learning/seeded.hpp"
#include "support/matching_fixture.hpp"

using namespace pm;
using namespace pm::matching::learning;

namespace {

const std::chrono::year_month_day kToday{std::chrono::year(2026), std::chrono::January, std::chrono::day(1)};

// Random pairs whose features are all drawn independently; `liked` follows the logit `z(f)`.
struct Synthetic {
  std::vector<PairFeatures> x;
  std::vector<float> y, w;
};
template <class Logit>
Synthetic synthetic(int n, std::uint64_t seed, Logit z) {
  SplitMix rng(seed);
  Synthetic s;
  for (int i = 0; i < n; ++i) {
    PairFeatures f;
    f[Feature::questionnaire] = static_cast<float>(40 + 40 * rng.uniform());
    f[Feature::age_fit] = static_cast<float>(rng.uniform());
    f[Feature::age_gap] = static_cast<float>(rng.below(15));
    f[Feature::evidence] = static_cast<float>(20 + rng.below(80));
    if (rng.uniform() < 0.8)
      f[Feature::distance] = static_cast<float>(std::log1p(100 * rng.uniform()));  // else unknown
    for (Feature band : {Feature::suits_low, Feature::suits_mid, Feature::suits_high})
      f[band] = static_cast<float>(rng.uniform());
    s.x.push_back(f);
    s.y.push_back(rng.uniform() < 1 / (1 + std::exp(-z(f))) ? 1.f : 0.f);
    s.w.push_back(1.f);
  }
  return s;
}

double sd_of_uniform(double width) { return width / std::sqrt(12.0); }

}  // namespace

TEST(ColdStart, TheFitFindsTheFeatureThatDrivesDecisionsAndLeavesTheOthersNearZero) {
  // Likes depend on how many questions both answered (evidence) alone: +1 per sd.
  const double sd = sd_of_uniform(80);
  auto data = synthetic(20000, 5, [&](const PairFeatures& f) { return -0.5 + (f[Feature::evidence] - 60) / sd; });
  const auto model = ColdStartModel::fit(data.x, data.y, data.w);
  EXPECT_NEAR(model.weight(Feature::evidence), 1.0, 0.1);
  for (Feature other : {Feature::questionnaire, Feature::age_fit, Feature::age_gap, Feature::distance,
                        Feature::suits_low, Feature::suits_mid, Feature::suits_high})
    EXPECT_LT(std::abs(model.weight(other)), 0.06) << static_cast<int>(other);
  // An unknown feature counts at its mean; the strongest feature is described first, by name.
  PairFeatures unknown_distance = data.x[0];
  unknown_distance[Feature::distance] = kUnknown;
  EXPECT_TRUE(std::isfinite(model.logit(unknown_distance)));
  ASSERT_FALSE(model.describe().empty());
  EXPECT_EQ(model.describe().front().rfind("evidence", 0), 0u) << model.describe().front();
}

TEST(ColdStart, AFeatureThatNeverVariedGetsNoWeightAndTheWeightsRoundTripByName) {
  auto data = synthetic(2000, 9, [](const PairFeatures& f) { return (f[Feature::questionnaire] - 60) / 10; });
  for (auto& f : data.x) f[Feature::age_gap] = 3;
  const auto model = ColdStartModel::fit(data.x, data.y, data.w);
  EXPECT_EQ(model.weight(Feature::age_gap), 0);
  EXPECT_GT(model.weight(Feature::questionnaire), 0.5);
  auto again = ColdStartModel::from_json(model.to_json());
  ASSERT_TRUE(again) << again.error().detail;
  for (const auto& f : {data.x[0], data.x[1], questionnaire_only(0.7f)})
    EXPECT_DOUBLE_EQ(again->logit(f), model.logit(f));
  Json renamed = model.to_json();
  renamed["features"][1]["name"] = "religion";
  EXPECT_FALSE(ColdStartModel::from_json(renamed)) << "a weight is read only for the feature it was fitted for";
}

TEST(ColdStart, IsStoredWithTheModelAndOnlyOrdersWhereAModelIsTrained) {
  auto data = synthetic(3000, 11, [](const PairFeatures& f) { return 3 * (f[Feature::age_fit] - 0.5); });
  std::vector<Outcome> outcomes;
  std::map<std::pair<std::string, std::string>, PairFeatures> by_pair;
  for (std::size_t i = 0; i < data.x.size(); ++i) {
    Outcome o{.a = "c" + std::to_string(i % 60),
              .b = "t" + std::to_string(i / 60),
              .liked = data.y[i] > 0,
              .at = static_cast<std::int64_t>(i)};
    by_pair[{o.a, o.b}] = data.x[i];
    outcomes.push_back(o);
  }
  auto features = [&](const std::string& a, const std::string& b) -> std::optional<PairFeatures> {
    auto it = by_pair.find({a, b});
    return it == by_pair.end() ? std::nullopt : std::optional(it->second);
  };
  TrainingParams params;
  params.epochs = 2;
  const auto model = ReciprocalModel::train(outcomes, features, params, 0);
  ASSERT_TRUE(model.cold_start());
  EXPECT_GT(model.cold_start()->weight(Feature::age_fit), 0.5);
  auto loaded = ReciprocalModel::from_bytes(model.to_bytes());
  ASSERT_TRUE(loaded) << loaded.error().detail;
  ASSERT_TRUE(loaded->cold_start());
  PairFeatures central = questionnaire_only(0.6f), edge = central;
  central[Feature::age_fit] = 1;
  edge[Feature::age_fit] = 0;
  // For two people the model has never seen, the age in the stated range now orders the pair.
  EXPECT_GT(loaded->p_likes("new a", "new b", central), loaded->p_likes("new a", "new b", edge) + 0.2);
  EXPECT_EQ(loaded->p_likes("new a", "new b", central), model.p_likes("new a", "new b", central));

  // Switched off, the questionnaire part is today's score: nothing else about the pair counts.
  params.use_calibration = false;
  const auto plain = ReciprocalModel::train(outcomes, features, params, 0);
  EXPECT_FALSE(plain.cold_start());
  EXPECT_EQ(plain.p_likes("new a", "new b", central), plain.p_likes("new a", "new b", edge));
}

TEST(ColdStart, AgeFitIsOneAtTheCentreOfTheStatedRangeAndZeroAtItsEnds) {
  matching::Facts a{.min_age = 30, .max_age = 40};
  EXPECT_FLOAT_EQ(age_fit(a, 35), 1);
  EXPECT_FLOAT_EQ(age_fit(a, 30), 0);
  EXPECT_FLOAT_EQ(age_fit(a, 38), 0.4f);
  EXPECT_FLOAT_EQ(age_fit(a, 50), 0);
  EXPECT_FLOAT_EQ(age_fit(matching::Facts{.min_age = 30, .max_age = 30}, 30), 1);
}

// Held-out simulated decisions (the evaluation's random 20% of pairs): where the other's age in
// the chooser's stated range sways decisions, the calibrated score finds it and ranks better than
// today's score; where nothing but today's score does, it ranks as well and weighs age at ~0.
TEST(ColdStart, BeatsTodaysScoreWhereAgeClosenessDrivesDecisionsAndLosesNothingWhereNot) {
  auto bank = test::perfect_match_scoring_bank();
  demo::SimulationOptions options{.seed = 19, .users = 1500, .pairs_per_user = 25};
  auto people = demo::simulate_people(*bank, options, kToday);
  auto features = demo::pair_features_of(*bank, people);
  TrainingParams params;
  params.epochs = 4;  // the factors do not matter here

  auto with_age = demo::simulate_outcomes(*bank, people, options, {.age_fit = 0.8});
  auto aged = evaluate(with_age, features, {.params = params});
  ASSERT_GT(aged.test_decisions, 1000u);
  EXPECT_GT(aged.ranking("calibrated").auc_like, aged.ranking("questionnaire").auc_like + 0.05)
      << aged.to_json().dump();
  EXPECT_GT(aged.ranking("blended").auc_like, aged.ranking("blended, today's questionnaire").auc_like)
      << aged.to_json().dump();
  auto weight = [](const EvaluationReport& r, Feature f) {
    return r.cold_start ? r.cold_start->weight(f) : std::nan("");
  };
  EXPECT_GT(weight(aged, Feature::age_fit), 0.4) << aged.to_json().dump();

  auto demo_like = demo::simulate_outcomes(*bank, people, options);
  auto plain = evaluate(demo_like, features, {.params = params});
  EXPECT_GT(plain.ranking("calibrated").auc_like, plain.ranking("questionnaire").auc_like - 0.01)
      << plain.to_json().dump();
  EXPECT_LT(std::abs(weight(plain, Feature::age_fit)), 0.1) << plain.to_json().dump();
  EXPECT_LT(std::abs(weight(plain, Feature::age_gap)), 0.1) << plain.to_json().dump();
}

// A model stored before the cold-start score (format 1: no "cold_start" in its header, no
// "use_calibration" in its parameters) still loads on a node of this build during a rolling
// update, and ranks with today's score as its questionnaire part, as it was trained.
TEST(ColdStart, AModelOfFormatOneStillLoadsWithTodaysScoreAsItsQuestionnairePart) {
  std::vector<Outcome> outcomes;
  for (int c = 0; c < 30; ++c)
    for (int t = 0; t < 10; ++t) outcomes.push_back({"c" + std::to_string(c), "t" + std::to_string(t), t < 4, c});
  auto by_target = [](const std::string&, const std::string& b) -> std::optional<PairFeatures> {
    return questionnaire_only(b < "t4" ? 0.9f : 0.4f);
  };
  TrainingParams params;
  params.use_calibration = false;
  const std::string bytes = ReciprocalModel::train(outcomes, by_target, params, 0).to_bytes();

  // The same model written as format 1 was: "PMRM", u32 version, u32 n, header, body, FNV-1a.
  auto u32 = [](std::uint32_t v) {
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    return out;
  };
  std::uint32_t head_size = 0;
  for (int i = 0; i < 4; ++i)
    head_size |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
  Json head = Json::parse(bytes.substr(12, head_size));
  head.erase("cold_start");
  head["params"].erase("use_calibration");
  head["format_version"] = 1;
  const std::string text = head.dump();
  std::string old = "PMRM" + u32(1) + u32(static_cast<std::uint32_t>(text.size())) + text +
                    bytes.substr(12 + head_size, bytes.size() - 12 - head_size - 8);
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : old) {
    h ^= c;
    h *= 1099511628211ull;
  }
  for (int i = 0; i < 8; ++i) old.push_back(static_cast<char>((h >> (8 * i)) & 0xff));

  auto loaded = ReciprocalModel::from_bytes(old);
  ASSERT_TRUE(loaded) << loaded.error().detail;
  EXPECT_FALSE(loaded->cold_start());
  EXPECT_FALSE(loaded->info().params.use_calibration);
  PairFeatures high = questionnaire_only(0.9f), far = high;
  far[Feature::age_fit] = 0;  // not part of today's score: changes nothing
  EXPECT_EQ(loaded->p_likes("new", "t0", high), loaded->p_likes("new", "t0", far));
  EXPECT_GT(loaded->p_likes("new", "new too", high), loaded->p_likes("new", "new too", questionnaire_only(0.4f)));
}
