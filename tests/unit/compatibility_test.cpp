// The compatibility score: OkCupid-style answer agreement both ways, dealbreakers, the margin for
// few shared questions, and attributes grounded in the pair's answers.

#include <gtest/gtest.h>

#include "matching/compatibility.hpp"
#include "matching/insights.hpp"
#include "support/matching_fixture.hpp"

using namespace pm;
using namespace pm::matching;
using pm::test::UserBuilder;

namespace {

struct Pair : ::testing::Test {
  std::shared_ptr<const ScoringBank> bank = pm::test::test_scoring_bank();
  // A accepts everything B answered; B refuses A's answer to t_q7 ("Do you tell the truth?").
  UserBuilder a = UserBuilder(*bank, "a")
                      .answer("t_q1", true, "any", 5)
                      .answer("t_q5", 4, {{"min", 3}, {"max", 5}}, 8)
                      .answer("t_q7", "always", {"always", "mostly"}, 5)
                      .answer("t_q12", "in", "any", 1);
  UserBuilder b = UserBuilder(*bank, "b")
                      .answer("t_q1", true, {true}, 5)
                      .answer("t_q5", 5, "any", 2)
                      .answer("t_q7", "mostly", {"mostly"}, 6)
                      .answer("t_q12", "out", {"in", "out"}, 4);
};

TEST_F(Pair, EachSideEarnsTheOthersWeightsAndTheScoreIsTheGeometricMeanLessTheMargin) {
  PairScore s = score_pair(*bank, a.profile(), b.profile());
  EXPECT_EQ(s.shared, 4);
  // A's acceptance: every one of B's answers suits A.
  EXPECT_DOUBLE_EQ(s.a_satisfied, 100.0);
  // B's weights (question weight x importance weight): t_q1 5x10, t_q5 5x2, t_q7 8x15, t_q12 3x7 = 201;
  // A's "always" is not what B accepts on t_q7, so B's side earns 201 - 120 = 81.
  EXPECT_NEAR(s.b_satisfied, 100.0 * 81 / 201, 1e-9);
  EXPECT_NEAR(s.answers, std::sqrt(1.0 * 81 / 201) - 1.0 / 4, 1e-9);
  EXPECT_FALSE(s.excluded());
  EXPECT_GT(s.score, 0);
  EXPECT_LE(s.score, 100);
}

TEST_F(Pair, TheScoreIsSymmetric) {
  PairScore ab = score_pair(*bank, a.profile(), b.profile());
  PairScore ba = score_pair(*bank, b.profile(), a.profile());
  EXPECT_DOUBLE_EQ(ab.score, ba.score);
  EXPECT_DOUBLE_EQ(ab.a_satisfied, ba.b_satisfied);
}

TEST_F(Pair, AnUnacceptableAnswerAtTopImportanceIsADealbreaker) {
  b.answer("t_q7", "mostly", {"mostly"}, 10);
  PairScore s = score_pair(*bank, a.profile(), b.profile());
  EXPECT_TRUE(s.excluded());
  EXPECT_EQ(s.score, 0);
  EXPECT_EQ(bank->slots()[*s.dealbreaker].question->key, "t_q7");
}

TEST_F(Pair, AcceptingTheAnswerAtTopImportanceIsNoDealbreaker) {
  b.answer("t_q7", "always", {"always"}, 10);
  EXPECT_FALSE(score_pair(*bank, a.profile(), b.profile()).excluded());
}

TEST_F(Pair, FewSharedQuestionsCannotScoreHigh) {
  UserBuilder x(*bank, "x"), y(*bank, "y");
  x.answer("t_q7", "always", "any", 8);
  y.answer("t_q7", "always", "any", 8);
  PairScore one = score_pair(*bank, x.profile(), y.profile());
  EXPECT_EQ(one.shared, 1);
  EXPECT_EQ(one.answers, 0.0) << "perfect agreement on one question is within the margin of error";
  x.answer("t_q1", true).answer("t_q12", "in").answer("t_q5", 3);
  y.answer("t_q1", true).answer("t_q12", "in").answer("t_q5", 3);
  PairScore four = score_pair(*bank, x.profile(), y.profile());
  EXPECT_NEAR(four.answers, 0.75, 1e-9);
  EXPECT_GT(four.score, one.score);
}

TEST_F(Pair, MultiSelectAnswersSuitWhenOneChoiceIsAccepted) {
  UserBuilder x(*bank, "x"), y(*bank, "y");
  x.answer("t_q4", {"read", "paint"}, {"run"}, 5);
  y.answer("t_q4", {"run"}, "any", 5);
  PairScore s = score_pair(*bank, x.profile(), y.profile());
  EXPECT_DOUBLE_EQ(s.a_satisfied, 100.0);
  y.answer("t_q4", {"read"}, "any", 5);
  EXPECT_DOUBLE_EQ(score_pair(*bank, x.profile(), y.profile()).a_satisfied, 0.0);
}

TEST_F(Pair, AttributesAndInsightsNameWhatTheTwoAnswered) {
  a.answer("t_q4", {"read", "paint"}, "any", 6);
  b.answer("t_q4", {"paint"}, "any", 6);
  auto pa = a.profile(), pb = b.profile();
  PairScore s = score_pair(*bank, pa, pb);
  Insights in = build_insights(*bank, {.first_name = "Ana", .profile = &pa}, {.first_name = "Ben", .profile = &pb}, s);
  ASSERT_EQ(in.attributes.size(), 6u);
  const auto& personality = in.attributes[attribute_index("personality")];
  EXPECT_EQ(personality.name, "Personality");
  // Shared answers come first, the rarer first (here, with no population counted, the one picked
  // from more options: t_q4's Paint over t_q1's Yes), and t_q5 only has mutual acceptance. The
  // test bank has no phrases (`about`): the option's label is named, never the question.
  EXPECT_EQ(personality.question_key, "t_q4");
  EXPECT_EQ(personality.description, "Ana and Ben both picked \u201cPaint\u201d.");
  // The disagreement that matters is a potential challenge, with both answers, not the question.
  bool found = false;
  for (const auto& c : in.potential_challenges)
    found = found || (c.find("Do you tell the truth?") == std::string::npos &&
                      c.find("Ana: \u201cAlways\u201d") != std::string::npos &&
                      c.find("Ben: \u201cMostly\u201d") != std::string::npos);
  EXPECT_TRUE(found);
  EXPECT_NE(in.summary.find("%"), std::string::npos);
  Json doc = in.to_json();
  EXPECT_TRUE(doc["premiumInsights"]["conversationStarters"].is_array());
  EXPECT_FALSE(doc["premiumInsights"]["conversationStarters"].empty());
}

}  // namespace
