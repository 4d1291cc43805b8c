// Hard filters both ways, and the candidate index: ranking, duplicates of one answer set,
// exclusions, removal (pair_kernel_test.cpp: its scores and top N against brute force).

#include <random>
#include <set>
#include <unordered_set>

#include <gtest/gtest.h>

#include "matching/candidate_index.hpp"
#include "matching/filters.hpp"
#include "support/matching_fixture.hpp"

using namespace pm;
using namespace pm::matching;
using pm::test::man_seeking_woman;
using pm::test::UserBuilder;
using pm::test::woman_seeking_man;

TEST(HardFilters, EveryRuleHoldsBothWays) {
  Facts w = woman_seeking_man(), m = man_seeking_woman();
  EXPECT_FALSE(filter_failure(w, m));
  EXPECT_FALSE(filter_failure(m, w));

  auto fails = [](Facts a, Facts b, std::string_view why) {
    EXPECT_EQ(filter_failure(a, b).value_or("passes"), why);
    EXPECT_EQ(filter_failure(b, a).value_or("passes"), why) << "the other way round";
  };
  Facts m2 = m;
  m2.seeking = kMan;
  fails(w, m2, "gender not sought");
  m2.seeking = kEveryone;
  EXPECT_FALSE(filter_failure(w, m2));
  Facts nb = m;
  nb.gender = kNonBinary;
  fails(w, nb, "gender not sought");
  Facts old = m;
  old.age = 41;  // beyond her max_age 40
  fails(w, old, "age out of range");
  Facts picky = m;
  picky.min_age = 31;  // she is 30
  fails(w, picky, "age out of range");
  Facts far = man_seeking_woman(48.14f, 11.58f);  // Munich, ~500 km from Berlin
  fails(w, far, "too far");
  Facts near_but_strict = man_seeking_woman(52.70f, 13.40f);  // ~20 km
  near_but_strict.max_distance_km = 10;
  fails(w, near_but_strict, "too far");
  Facts hidden = m;
  hidden.hidden = true;
  fails(w, hidden, "profile hidden");
  Facts incomplete = m;
  incomplete.complete = false;
  fails(w, incomplete, "profile incomplete");
}

TEST(HardFilters, DistanceIsGreatCircle) {
  EXPECT_NEAR(distance_km(52.5200f, 13.4050f, 48.1351f, 11.5820f), 504, 3);     // Berlin - Munich
  EXPECT_NEAR(distance_km(40.7128f, -74.0060f, 51.5074f, -0.1278f), 5570, 10);  // New York - London
}

namespace {

// A population in two cities with a share of identical answer sets.
struct Population {
  std::shared_ptr<const ScoringBank> bank = pm::test::test_scoring_bank();
  std::vector<IndexedUser> users;

  explicit Population(int n, unsigned seed = 7) {
    std::mt19937 rng(seed);
    const char* truth[] = {"always", "mostly", "rarely"};
    for (int i = 0; i < n; ++i) {
      bool woman = i % 2 == 0;
      float lat = (i % 5 == 0) ? 48.14f : 52.52f;  // a fifth in Munich
      Facts f = woman ? woman_seeking_man(lat, 13.4f) : man_seeking_woman(lat, 13.4f);
      f.age = static_cast<std::int16_t>(25 + rng() % 16);
      f.max_distance_km = 0;  // no limit: every user is a candidate
      UserBuilder b(*bank, "user-" + std::to_string(1000 + i));
      b.facts(f);
      if (i % 10 == 3) {  // a tenth answer exactly like everyone else in that group
        b.answer("t_q1", true).answer("t_q5", 3).answer("t_q7", "always").answer("t_q12", "out");
      } else {
        b.answer("t_q1", rng() % 2 == 0, "any", static_cast<int>(rng() % 8))
            .answer("t_q5", static_cast<int>(1 + rng() % 5), "any", static_cast<int>(rng() % 8))
            .answer("t_q7", truth[rng() % 3], rng() % 3 ? Json("any") : Json({"always", "mostly"}),
                    static_cast<int>(rng() % 9))
            .answer("t_q12", rng() % 2 ? "in" : "out", "any", static_cast<int>(rng() % 8))
            .answer("t_q4", rng() % 2 ? Json({"read"}) : Json({"run", "paint"}), "any", static_cast<int>(rng() % 6));
      }
      users.push_back(b.build());
    }
  }
};

}  // namespace

TEST(CandidateIndex, ExactSearchAppliesTheFiltersAndRanksByScore) {
  Population p(200);
  CandidateIndex index(p.bank);
  for (const auto& u : p.users) index.upsert(u);
  EXPECT_EQ(index.size(), 200u);
  const IndexedUser& who = p.users[0];
  SearchStats stats;
  auto best = index.best(who, {}, 20, &stats);
  ASSERT_EQ(best.size(), 20u);
  EXPECT_GE(stats.examined, stats.scored);
  for (std::size_t i = 0; i < best.size(); ++i) {
    auto other = index.find(best[i].user_id);
    ASSERT_TRUE(other);
    EXPECT_TRUE(passes_filters(who.facts, other->facts));
    EXPECT_NE(best[i].user_id, who.user_id);
    EXPECT_DOUBLE_EQ(best[i].score.score, score_pair(*p.bank, who.profile, other->profile).score);
    if (i) {
      EXPECT_GE(best[i - 1].score.score, best[i].score.score);
    }
  }
}

TEST(CandidateIndex, EveryUserWithTheSameAnswersIsFound) {
  Population p(400);
  CandidateIndex index(p.bank);
  for (const auto& u : p.users) index.upsert(u);
  // Every man with the duplicated answers (users 3, 13, 23, ...) is found by a woman who answers
  // the same way: identical answers, identical scores, none lost at the cut.
  IndexedUser probe = UserBuilder(*p.bank, "probe")
                          .facts(woman_seeking_man())
                          .answer("t_q1", true)
                          .answer("t_q5", 3)
                          .answer("t_q7", "always")
                          .answer("t_q12", "out")
                          .build();
  probe.facts.max_distance_km = 0;
  std::set<std::string> twins, expected;
  for (const auto& c : index.best(probe, {}, 400))
    if (std::stoi(c.user_id.substr(5)) % 10 == 3) twins.insert(c.user_id);
  for (int i = 3; i < 400; i += 10)
    if (passes_filters(probe.facts, p.users[i].facts)) expected.insert(p.users[i].user_id);
  EXPECT_GT(expected.size(), 20u);
  EXPECT_EQ(twins, expected);
}

TEST(CandidateIndex, ExcludedAndRemovedUsersAreNeverReturned) {
  Population p(100);
  CandidateIndex index(p.bank);
  for (const auto& u : p.users) index.upsert(u);
  auto first = index.best(p.users[0], {}, 5);
  ASSERT_GE(first.size(), 2u);
  std::unordered_set<std::string> excluded{first[0].user_id};
  index.remove(first[1].user_id);
  for (const auto& c : index.best(p.users[0], excluded, 100)) {
    EXPECT_NE(c.user_id, first[0].user_id);
    EXPECT_NE(c.user_id, first[1].user_id);
  }
  // Re-adding a user with other facts moves them (e.g. a new city).
  IndexedUser moved = *index.find(first[0].user_id);
  moved.facts.hidden = true;
  index.upsert(moved);
  EXPECT_EQ(index.size(), 99u);
  for (const auto& c : index.best(p.users[0], {}, 100)) EXPECT_NE(c.user_id, first[0].user_id);
}

TEST(CandidateIndex, DistanceLimitsUseTheGrid) {
  Population p(100);
  CandidateIndex index(p.bank);
  for (auto u : p.users) {
    u.facts.max_distance_km = 100;
    index.upsert(u);
  }
  IndexedUser berlin = p.users[2];  // i % 5 != 0: Berlin
  berlin.facts.max_distance_km = 100;
  auto found = index.best(berlin, {}, 100);
  ASSERT_FALSE(found.empty());
  for (const auto& c : found) {
    auto o = index.find(c.user_id);
    EXPECT_LT(distance_km(berlin.facts.lat, berlin.facts.lon, o->facts.lat, o->facts.lon), 100);
  }
}
