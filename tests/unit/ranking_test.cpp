// rank_candidates (matching/ranking.hpp): without a model the questionnaire's order; with one, by
// mutual interest, with every n-th slot for someone with little history. And training_example
// (matching/learner.hpp): what each stored outcome teaches the model.

#include <gtest/gtest.h>

#include <map>

#include "matching/learner.hpp"
#include "matching/ranking.hpp"

using namespace pm::matching;

namespace {

std::vector<Candidate> candidates(const std::vector<std::string>& ids) {
  std::vector<Candidate> out;
  for (const auto& id : ids) out.push_back({.user_id = id, .score = {.score = 80}});
  return out;
}

std::vector<std::string> ids_of(const std::vector<Ranked>& ranked) {
  std::vector<std::string> out;
  for (const auto& r : ranked) out.push_back(r.candidate.user_id);
  return out;
}

// Raters liked `liked` and passed on `passed`, 30 times each.
learning::ReciprocalModel model(const std::vector<std::string>& liked, const std::vector<std::string>& passed) {
  std::vector<learning::Outcome> outcomes;
  std::int64_t t = 0;
  for (int r = 0; r < 30; ++r)
    for (const auto* list : {&liked, &passed})
      for (const auto& id : *list)
        outcomes.push_back({.a = "rater" + std::to_string(r), .b = id, .liked = list == &liked, .at = ++t});
  return learning::ReciprocalModel::train(
      outcomes,
      [](const std::string&, const std::string&) { return std::optional(learning::questionnaire_only(0.8f)); }, {}, t);
}

}  // namespace

TEST(Ranking, WithoutAModelKeepsTheQuestionnairesOrder) {
  auto ranked = rank_candidates("me", candidates({"a", "b", "c"}), nullptr, {.want = 2, .explore_every = 1});
  EXPECT_EQ(ids_of(ranked), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(ranked[0].explored);
  EXPECT_FALSE(ranked[0].mutual) << "no model: no key stored, the list keeps the score's order";
}

TEST(Ranking, AModelOrdersByMutualInterest) {
  auto m = model({"c"}, {"a", "b"});
  auto ranked = rank_candidates("me", candidates({"a", "b", "c"}), &m, {.want = 3});
  EXPECT_EQ(ranked[0].candidate.user_id, "c");
  ASSERT_EQ(ranked.size(), 3u);
  // Each carries the mutual interest it was ranked by (what the list orders by), best first.
  for (const auto& r : ranked) ASSERT_TRUE(r.mutual && *r.mutual > 0 && *r.mutual < 1);
  EXPECT_GT(*ranked[0].mutual, *ranked[1].mutual);
  EXPECT_GE(*ranked[1].mutual, *ranked[2].mutual);
}

TEST(Ranking, EveryNthSlotGoesToSomeoneWithLittleHistory) {
  auto m = model({"a", "b", "c"}, {"x"});
  // "new" is unknown to the model (no decisions about them): average, below a, b and c.
  auto ranked = rank_candidates("me", candidates({"a", "b", "c", "new"}), &m,
                                {.want = 3, .explore_every = 2, .explore_max_decisions = 20});
  ASSERT_EQ(ranked.size(), 3u);
  EXPECT_EQ(ranked[1].candidate.user_id, "new");
  EXPECT_TRUE(ranked[1].explored);
  EXPECT_FALSE(ranked[0].explored);
  // Listed in its slot, with the key of the pick before it (a), not by its own lower estimate.
  ASSERT_TRUE(ranked[0].mutual && ranked[1].mutual && ranked[2].mutual);
  EXPECT_EQ(*ranked[1].mutual, *ranked[0].mutual);
  EXPECT_GE(*ranked[1].mutual, *ranked[2].mutual) << "the newcomer is not listed after the model's next pick";
  // No newcomer left: the slot goes back to the model's order.
  auto all = rank_candidates("me", candidates({"a", "b", "c"}), &m, {.want = 3, .explore_every = 2});
  EXPECT_EQ(all.size(), 3u);
  for (const auto& r : all) EXPECT_FALSE(r.explored);
}

// Two candidates with the same questionnaire score whom the model has never seen: the calibrated
// cold-start score orders them by their pair features, here the age in the searcher's range, which
// the outcomes it was trained on showed to matter.
TEST(Ranking, TheColdStartScoreOrdersPeopleWithoutHistoryByTheirPairFeatures) {
  auto at_age_fit = [](float fit) {
    auto f = learning::questionnaire_only(0.8f);
    f[learning::Feature::age_fit] = fit;
    return f;
  };
  std::vector<learning::Outcome> outcomes;
  std::map<std::pair<std::string, std::string>, learning::PairFeatures> trained_on;
  std::int64_t t = 0;
  for (int r = 0; r < 40; ++r)
    for (int k = 0; k < 10; ++k) {
      const std::string rater = "rater" + std::to_string(r), other = "other" + std::to_string(k);
      const bool central = (r + k) % 2 == 0;
      trained_on[{rater, other}] = at_age_fit(central ? 0.9f : 0.1f);
      outcomes.push_back({.a = rater, .b = other, .liked = central, .at = ++t});
    }
  const auto m = learning::ReciprocalModel::train(
      outcomes,
      [&](const std::string& a, const std::string& b) -> std::optional<learning::PairFeatures> {
        auto it = trained_on.find({a, b});
        return it == trained_on.end() ? std::nullopt : std::optional(it->second);
      },
      {}, t);
  auto serving = [&](const std::string& a, const std::string& b) -> std::optional<learning::PairFeatures> {
    return at_age_fit(a == "far" || b == "far" ? 0.1f : 0.9f);
  };
  auto ranked = rank_candidates("me", candidates({"far", "near"}), &m, {.want = 2}, serving);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].candidate.user_id, "near");
  // Without the features (today's score only) the two are equal: the index's order stays.
  EXPECT_EQ(rank_candidates("me", candidates({"far", "near"}), &m, {.want = 2})[0].candidate.user_id, "far");
}

// What the model learns from each kind of stored outcome (matching/learner.hpp).
TEST(TrainingExample, LikesAndRepliesArePositivePassesAndUnmatchesNegativeRepeatsLeftOut) {
  auto example = [](pm::outcomes::Kind kind, bool rewound = false) {
    return training_example({.decided_by = pm::UserId("a"),
                             .about = pm::UserId("b"),
                             .kind = kind,
                             .decided_at = "2026-01-02T03:04:05.000000Z",
                             .rewound = rewound});
  };
  using K = pm::outcomes::Kind;
  auto like = example(K::like);
  ASSERT_TRUE(like.has_value());
  EXPECT_TRUE(like->liked);
  EXPECT_EQ(like->weight, 1);
  EXPECT_EQ(like->at, 1767323045);
  EXPECT_EQ(example(K::reply)->weight, learning::kReplyWeight);
  EXPECT_TRUE(example(K::reply)->liked);
  EXPECT_FALSE(example(K::pass)->liked);
  EXPECT_FALSE(example(K::unmatch)->liked);
  EXPECT_FALSE(example(K::pass, true).has_value()) << "a rewound pass was taken back";
  EXPECT_FALSE(example(K::match).has_value());
  EXPECT_FALSE(example(K::first_message).has_value());
}
