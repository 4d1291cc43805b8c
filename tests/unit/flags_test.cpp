// Feature flags without servers: the pinned rollout hash and the one evaluation function
// (src/flags/model.hpp, docs/feature-flags.md).

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "flags/model.hpp"

using namespace pm;

namespace {

int documented_bucket(const std::string& key, const std::string& user) {
  const std::string digest = crypto::sha256_hex(key + ":" + user);
  return static_cast<int>(std::stoull(digest.substr(0, 16), nullptr, 16) % 100);
}

std::string synthetic_user(int i) { return crypto::uuid_v5("flags-test-user:" + std::to_string(i)); }

}  // namespace

// The hash is pinned: the same user is in or out of a rollout on every node, after every restart
// and in every release. These two values were computed outside the code (Python's hashlib).
TEST(FlagHash, BucketsAreTheDocumentedSha256) {
  EXPECT_EQ(flags::bucket("rewind", "00000000-0000-4000-8000-000000000000"), 87);
  EXPECT_EQ(flags::bucket("beta", "6f1c1b1e-0000-4000-8000-000000000001"), 6);
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(flags::bucket("some_flag", synthetic_user(i)), documented_bucket("some_flag", synthetic_user(i)));
}

TEST(FlagHash, ARolloutGrowsWithoutTakingAnyoneOut) {
  flags::Flag f{.key = "growing", .enabled = true};
  std::set<std::string> before;
  for (int pct : {0, 10, 30, 50, 100}) {
    f.percentage = pct;
    std::set<std::string> on;
    for (int i = 0; i < 1000; ++i)
      if (flags::evaluate(f, synthetic_user(i), "free").enabled) on.insert(synthetic_user(i));
    for (const auto& u : before) EXPECT_TRUE(on.contains(u)) << u << " left the rollout at " << pct << "%";
    before = on;
  }
  EXPECT_EQ(before.size(), 1000u);
}

TEST(FlagEvaluation, OffBeatsTheAllowListWhichBeatsPlansAndPercentage) {
  const std::string ana = synthetic_user(1), ben = synthetic_user(2);
  flags::Flag f{.key = "f", .enabled = false, .config = {{"x", 1}}, .percentage = 100, .allow_list = {ana}};
  EXPECT_FALSE(flags::evaluate(f, ana, "premium").enabled);
  EXPECT_EQ(flags::evaluate(f, ana, "premium").config, nlohmann::json::object());
  f.enabled = true;
  f.percentage = 0;
  f.plans = {"premium"};
  EXPECT_TRUE(flags::evaluate(f, ana, "free").enabled) << "the allow-list wins over plans and percentage";
  EXPECT_EQ(flags::evaluate(f, ana, "free").config["x"], 1);
  EXPECT_FALSE(flags::evaluate(f, ben, "premium").enabled) << "0%";
  f.percentage = 100;
  EXPECT_TRUE(flags::evaluate(f, ben, "premium").enabled);
  EXPECT_FALSE(flags::evaluate(f, ben, "free").enabled) << "not one of the flag's plans";
}

TEST(FlagEvaluation, KeysAreWhatTheTableAllows) {
  EXPECT_TRUE(flags::valid_key("rewind"));
  EXPECT_TRUE(flags::valid_key("llm_insights-2"));
  EXPECT_FALSE(flags::valid_key(""));
  EXPECT_FALSE(flags::valid_key("2fa"));
  EXPECT_FALSE(flags::valid_key("Rewind"));
  EXPECT_FALSE(flags::valid_key("a:b"));
  EXPECT_FALSE(flags::valid_key(std::string(51, 'a')));
}
