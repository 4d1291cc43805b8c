// The reciprocal model learns who likes whom from outcomes: planted tastes and popularity are
// found, a new user is average, the bytes round-trip and other formats are refused, and the
// same outcomes and seed give the same model.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "matching/learning/reciprocal_model.hpp"

using namespace pm::matching::learning;

namespace {

std::optional<PairFeatures> no_questionnaire(const std::string&, const std::string&) { return std::nullopt; }

std::string id(const char* prefix, int n) { return prefix + std::to_string(n); }

// Two camps of choosers: the x's like the p's and pass on the q's, the y's the reverse. Each p
// and each q is liked by exactly half of the choosers, so popularity alone cannot tell them apart.
// "newbie" liked p0..p2 and passed on q0..q2, and has seen neither p9 nor q9.
std::vector<Outcome> two_camps() {
  std::vector<Outcome> out;
  std::int64_t t = 0;
  for (int c = 0; c < 12; ++c)
    for (int target = 0; target < 10; ++target) {
      out.push_back({id("x", c), id("p", target), true, ++t});
      out.push_back({id("x", c), id("q", target), false, ++t});
      out.push_back({id("y", c), id("p", target), false, ++t});
      out.push_back({id("y", c), id("q", target), true, ++t});
    }
  for (int target = 0; target < 3; ++target) {
    out.push_back({"newbie", id("p", target), true, ++t});
    out.push_back({"newbie", id("q", target), false, ++t});
  }
  return out;
}

TrainingParams planted_params() {
  TrainingParams p;
  p.epochs = 200;  // a tiny data set needs more passes than a real one
  p.seed = 7;
  return p;
}

TEST(ReciprocalModel, PeopleWhoLikedTheSamePeopleGetTheSamePredictions) {
  auto model = ReciprocalModel::train(two_camps(), no_questionnaire, planted_params(), 0);
  // The newbie liked what the x's like: p9 is more likely for them than q9, which are equally popular.
  EXPECT_GT(model.p_likes("newbie", "p9", std::nullopt), model.p_likes("newbie", "q9", std::nullopt) + 0.1);
  // And two x's agree about everyone more than an x and a y do.
  double same = 0, other = 0;
  for (int t = 0; t < 10; ++t)
    for (const char* prefix : {"p", "q"}) {
      const double x0 = model.p_likes("x0", id(prefix, t), std::nullopt);
      same += std::abs(x0 - model.p_likes("x1", id(prefix, t), std::nullopt));
      other += std::abs(x0 - model.p_likes("y0", id(prefix, t), std::nullopt));
    }
  EXPECT_LT(same * 3, other);
}

TEST(ReciprocalModel, SomeoneLikedByEveryoneIsPredictedToBeLikedMore) {
  std::vector<Outcome> outcomes;
  for (int c = 0; c < 30; ++c) {
    outcomes.push_back({id("c", c), "star", true, c});
    for (int t = 0; t < 6; ++t) outcomes.push_back({id("c", c), id("t", t), (c + t) % 2 == 0, c});
  }
  auto model = ReciprocalModel::train(outcomes, no_questionnaire, {}, 0);
  const double star = model.p_likes("someone new", "star", std::nullopt);
  const double average = model.p_likes("someone new", "t0", std::nullopt);
  EXPECT_GT(star, average + 0.2);
  EXPECT_GT(star, model.info().like_rate);
}

TEST(ReciprocalModel, ABrandNewUserGetsFiniteAveragePredictions) {
  auto model = ReciprocalModel::train(two_camps(), no_questionnaire, planted_params(), 0);
  EXPECT_FALSE(model.knows("nobody"));
  for (auto p : {model.predict("nobody", "x0", std::nullopt, std::nullopt),
                 model.predict("nobody", "also new", std::nullopt, std::nullopt)}) {
    for (double v : {p.p_a_likes_b, p.p_b_likes_a, p.mutual}) {
      EXPECT_TRUE(std::isfinite(v));
      EXPECT_GT(v, 0);
      EXPECT_LT(v, 1);
    }
    EXPECT_DOUBLE_EQ(p.mutual, p.p_a_likes_b * p.p_b_likes_a);
  }
  // Two new people: exactly the population's rate (no history, no questionnaire to go on).
  EXPECT_NEAR(model.p_likes("nobody", "also new", std::nullopt), model.info().like_rate, 0.02);
}

TEST(ReciprocalModel, TheQuestionnaireCarriesUsersWithoutHistory) {
  // Likes follow the compatibility: the model learns to trust it for people it has never seen.
  std::vector<Outcome> outcomes;
  for (int c = 0; c < 40; ++c)
    for (int t = 0; t < 10; ++t) outcomes.push_back({id("c", c), id("t", t), (c + t) % 3 == 0, 0});
  auto compat = [](const std::string& a, const std::string& b) -> std::optional<PairFeatures> {
    return questionnaire_only((std::hash<std::string>{}(a) + std::hash<std::string>{}(b)) % 3 == 0 ? 0.9f : 0.3f);
  };
  std::vector<Outcome> shaped;
  for (auto o : outcomes) {
    o.liked = (*compat(o.a, o.b))[Feature::questionnaire] > 50;
    shaped.push_back(o);
  }
  auto model = ReciprocalModel::train(shaped, compat, {}, 0);
  EXPECT_GT(model.p_likes("new a", "new b", questionnaire_only(0.9f)),
            model.p_likes("new a", "new b", questionnaire_only(0.3f)) + 0.3);
}

TEST(ReciprocalModel, BytesRoundTripWithTheTrainingMetadata) {
  auto model = ReciprocalModel::train(two_camps(), no_questionnaire, planted_params(), 1767225600);
  const std::string bytes = model.to_bytes();
  auto loaded = ReciprocalModel::from_bytes(bytes);
  ASSERT_TRUE(loaded) << loaded.error().detail;
  EXPECT_EQ(loaded->to_bytes(), bytes);
  EXPECT_EQ(loaded->info().trained_at, 1767225600);
  EXPECT_EQ(loaded->info().outcomes, two_camps().size());
  EXPECT_EQ(loaded->info().params.epochs, 200);
  for (const char* a : {"x0", "y3", "newbie", "nobody"})
    for (const char* b : {"p9", "q9", "nobody"})
      EXPECT_EQ(loaded->p_likes(a, b, std::nullopt), model.p_likes(a, b, std::nullopt));
}

TEST(ReciprocalModel, OtherFormatsAndDamagedBytesAreRefused) {
  const std::string bytes = ReciprocalModel::train(two_camps(), no_questionnaire, planted_params(), 0).to_bytes();
  std::string old = bytes;
  old[4] = 0;  // format version 0 (little-endian u32 after "PMRM")
  auto refused = ReciprocalModel::from_bytes(old);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("format version 0"), std::string::npos) << refused.error().detail;

  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x40;
  EXPECT_FALSE(ReciprocalModel::from_bytes(flipped));
  EXPECT_FALSE(ReciprocalModel::from_bytes(bytes.substr(0, bytes.size() - 9)));
  EXPECT_FALSE(ReciprocalModel::from_bytes("not a model"));
  EXPECT_FALSE(ReciprocalModel::from_bytes(""));
}

// A row that passes the checksum (FNV is no secret: whoever can write matching_models can forge one)
// but whose counts claim more than its bytes hold, or whose prior would divide 0 by 0, is refused;
// before, the first threw out of from_bytes (a node's model poll has no catch) and the second loaded
// and ranked every unseen user NaN.
TEST(ReciprocalModel, ForgedCountsAndAZeroPriorAreRefused) {
  const std::string bytes = ReciprocalModel::train(two_camps(), no_questionnaire, planted_params(), 0).to_bytes();
  auto with_checksum = [](std::string b) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a over all but the last 8 bytes, as stored
    for (unsigned char c : std::string_view(b).substr(0, b.size() - 8)) {
      h ^= c;
      h *= 1099511628211ull;
    }
    for (int i = 0; i < 8; ++i) b[b.size() - 8 + i] = static_cast<char>((h >> (8 * i)) & 0xff);
    return b;
  };
  ASSERT_TRUE(ReciprocalModel::from_bytes(with_checksum(bytes))) << "the checksum as stored";
  // "PMRM", u32 version, u32 header size, the header, 5 f64 weights, then u32 users.
  std::uint32_t head = 0;
  std::memcpy(&head, bytes.data() + 8, 4);
  const std::size_t users_at = 12 + head + 5 * 8;
  std::string forged = bytes;
  for (int i = 0; i < 4; ++i) forged[users_at + i] = '\xff';
  auto refused = ReciprocalModel::from_bytes(with_checksum(forged));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("more users than its bytes hold"), std::string::npos) << refused.error().detail;

  auto params = planted_params();
  params.prior_strength = 0;
  auto no_prior =
      ReciprocalModel::from_bytes(ReciprocalModel::train(two_camps(), no_questionnaire, params, 0).to_bytes());
  EXPECT_FALSE(no_prior) << "a model whose unseen users rank as NaN";
}

TEST(ReciprocalModel, TrainingIsDeterministicGivenTheSeed) {
  auto a = ReciprocalModel::train(two_camps(), no_questionnaire, planted_params(), 0);
  auto b = ReciprocalModel::train(two_camps(), no_questionnaire, planted_params(), 0);
  TrainingParams other_seed = planted_params();
  other_seed.seed = 8;
  auto c = ReciprocalModel::train(two_camps(), no_questionnaire, other_seed, 0);
  bool differs = false;
  for (int i = 0; i < 12; ++i)
    for (const char* prefix : {"p", "q"}) {
      const double pa = a.p_likes(id("x", i), id(prefix, i % 10), std::nullopt);
      EXPECT_EQ(pa, b.p_likes(id("x", i), id(prefix, i % 10), std::nullopt));
      differs |= pa != c.p_likes(id("x", i), id(prefix, i % 10), std::nullopt);
    }
  EXPECT_TRUE(differs) << "another seed starts the factors elsewhere";
}

}  // namespace
