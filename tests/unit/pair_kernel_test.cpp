// The search kernel against score_pair: the same total on the benchmark's pairs by each
// instruction set, and the index's top N against a brute-force top N over every filter case.

#include <algorithm>
#include <bit>
#include <random>
#include <unordered_set>

#include <gtest/gtest.h>

#include "matching/candidate_index.hpp"
#include "matching/pair_kernel.hpp"
#include "matching_data.hpp"

using namespace pm;
using namespace pm::matching;

namespace {

std::shared_ptr<const ScoringBank> product_bank() {
  static const auto bank = pm::bench::product_bank();
  return bank;
}

std::vector<Isa> isas() {
  std::vector<Isa> out{Isa::portable};
  if (best_isa() == Isa::avx2) out.push_back(Isa::avx2);
  return out;
}

}  // namespace

TEST(PairKernel, GivesScorePairsTotalOnTheBenchmarksPairs) {
  if (best_isa() != Isa::avx2) GTEST_SKIP() << "this CPU has no AVX2: only the portable path can be compared";
  const ScoringBank& bank = *product_bank();
  // The pairs of BM_ScorePair (bench/matching_bench.cpp): 65,536 random pairs of 20,000 users.
  const auto users = pm::bench::make_population(bank, {.users = 20000, .seed = 7});
  const AnswerLayout layout(bank);
  EXPECT_GT(layout.wide_count(), 0u) << "the product bank has sliders of more than 16 steps";
  Column<std::byte> rows(users.size() * layout.row_bytes());
  std::vector<CompactAnswer> wide(users.size() * layout.wide_count());
  for (std::size_t i = 0; i < users.size(); ++i) {
    layout.encode(users[i].profile.answers, &rows[i * layout.row_bytes()], &wide[i * layout.wide_count()]);
    // What the index gives back for the winners scores the same (decode inverts encode).
    if (i < 200) {
      MatchProfile decoded{
          layout.decode(&rows[i * layout.row_bytes()], &wide[i * layout.wide_count()]), users[i].profile.traits, {}};
      for (std::size_t j = 0; j < 50; ++j) {
        auto want = score_pair(bank, users[j].profile, users[i].profile);
        auto got = score_pair(bank, users[j].profile, decoded);
        ASSERT_EQ(got.score, want.score) << i << " " << j;
        ASSERT_EQ(got.attributes, want.attributes) << i << " " << j;
      }
    }
  }
  std::mt19937_64 rng(11);
  std::size_t excluded = 0;
  for (int k = 0; k < (1 << 16); ++k) {
    const std::size_t a = rng() % users.size(), b = rng() % users.size();
    const PairScore want = score_pair(bank, users[a].profile, users[b].profile);
    const QuerySide side(layout, users[a].profile.answers);
    for (Isa isa : isas()) {
      const AnswerTotals t =
          answer_totals(isa, layout, side, &rows[b * layout.row_bytes()], &wide[b * layout.wide_count()]);
      const auto& ta = users[a].profile.traits;
      const auto got = total_score(t, dot(isa, ta.data(), users[b].profile.traits.data(), ta.size()), std::nullopt);
      ASSERT_EQ(got.has_value(), !want.excluded()) << isa_name(isa) << " pair " << k;
      if (got) {
        ASSERT_EQ(*got, want.score) << isa_name(isa) << " pair " << k;
      }
      ASSERT_EQ(t.shared, want.shared) << isa_name(isa) << " pair " << k;
    }
    excluded += want.excluded();
  }
  EXPECT_GT(excluded, 1000u) << "dealbreakers are exercised";
}

// dot's order is fixed (compatibility.hpp) so that the AVX2 path gives the same float: on every
// length around the register's 8 lanes, the traits' 23 and text embeddings' sizes, with values of
// mixed sign and magnitude (where the order of additions shows in the last bits).
TEST(PairKernel, DotIsTheSameFloatOnEveryPath) {
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::size_t differs_from_in_order = 0;
  for (std::size_t size : {0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 64, 255, 384, 1536})
    for (int k = 0; k < 200; ++k) {
      std::vector<float> a(size), b(size);
      for (std::size_t i = 0; i < size; ++i) {
        a[i] = value(rng) * (i % 3 == 0 ? 1e3f : 1.0f);
        b[i] = value(rng);
      }
      const float want = dot(a, b);
      for (Isa isa : isas())
        ASSERT_EQ(std::bit_cast<std::uint32_t>(dot(isa, a.data(), b.data(), size)), std::bit_cast<std::uint32_t>(want))
            << isa_name(isa) << " size " << size;
      float in_order = 0;
      for (std::size_t i = 0; i < size; ++i) in_order += a[i] * b[i];
      differs_from_in_order += in_order != want;
    }
  EXPECT_GT(differs_from_in_order, 0u) << "the lanes' order is exercised, not only sums any order gives alike";
}

namespace {

constexpr std::size_t kEdgeUsers = 126;  // varied_population's first users: at limits' edges

// A population of the product bank where every filter case occurs: hidden and incomplete users,
// users without a location, with and without distance limits (small and continental), every
// seeking mask, narrow and wide age ranges, and a tenth with an earlier user's answers (ties).
std::vector<IndexedUser> varied_population(std::size_t n) {
  auto users = pm::bench::make_population(*product_bank(), {.users = n, .seed = 3});
  std::mt19937_64 rng(17);
  struct Place {
    float lat, lon;
  };
  const Place places[] = {{52.52f, 13.40f}, {52.39f, 13.06f}, {48.14f, 11.58f}, {51.51f, -0.13f}, {40.71f, -74.0f},
                          {52.0f, 179.9f},  {52.0f, -179.9f}, {89.5f, 0.0f},    {89.5f, 179.0f},  {-89.7f, 90.0f}};
  for (auto& u : users) {
    Facts& f = u.facts;
    const Place& p = places[rng() % std::size(places)];
    f.lat = p.lat + static_cast<float>(rng() % 100) / 200.0f;
    f.lon = p.lon + static_cast<float>(rng() % 100) / 200.0f;
    f.located = rng() % 25 != 0;
    f.seeking = static_cast<std::uint8_t>(1 + rng() % 7);
    f.gender = static_cast<std::uint8_t>(1u << (rng() % 3));
    f.age = static_cast<std::int16_t>(18 + rng() % 50);
    f.min_age = static_cast<std::int16_t>(18 + rng() % 30);
    f.max_age = static_cast<std::int16_t>(f.min_age + rng() % 50);
    const int limits[] = {0, 0, 10, 30, 50, 100, 700, 7000};
    f.max_distance_km = limits[rng() % std::size(limits)];
    f.hidden = rng() % 30 == 0;
    f.complete = rng() % 30 != 0;
  }
  // Pairs at a limit's very edge: per limit, users at one point and users due north of it at
  // the limit's distance give or take 10-90 m (either side of the chord bounds' 64 m margin) or
  // 0-1 m (a float latitude's step is 0.4 m), so pairs are decided by the chord bounds, by
  // distance_km within their margin, and within a metre of the limit. Everyone here seeks
  // everyone, so only the distance decides.
  const int edge_limits[] = {10, 30, 100};
  for (std::size_t i = 0; i < std::min(kEdgeUsers, n); ++i) {
    Facts& f = users[i].facts;
    const int limit = edge_limits[i / 42 % std::size(edge_limits)];
    const int step = static_cast<int>(i % 42) / 2 - 10;  // -10..10
    const double degrees = limit / 6371.0088 * 180 / 3.14159265358979323846;
    f = Facts{.gender = kWoman,
              .seeking = kEveryone,
              .age = 30,
              .lat = 52.0f,
              .lon = 13.4f,
              .located = true,
              .max_distance_km = limit,
              .complete = true};  // ages 18-99 by default
    const double metres = step * (step % 2 ? 10.0 : 0.1), degrees_per_metre = 180 / 3.14159265358979323846 / 6371008.8;
    if (i % 2) f.lat = static_cast<float>(52.0 + degrees + metres * degrees_per_metre);
    f.max_distance_km = i % 4 == 1 ? 0 : limit;  // some of the far ones have no limit of their own
  }
  return users;
}

bool ranked_before(const Candidate& a, const Candidate& b) {
  return a.score.score != b.score.score ? a.score.score > b.score.score : a.user_id < b.user_id;
}

}  // namespace

TEST(CandidateIndex, BestIsTheBruteForceBestForEveryFilterCase) {
  const auto users = varied_population(3000);
  const auto bank = product_bank();
  std::unordered_set<std::string> excluded;
  for (std::size_t i = 5; i < users.size(); i += 37) excluded.insert(users[i].user_id);
  // The edge users hold pairs within a metre of a limit, either side of it.
  std::size_t just_within = 0, just_beyond = 0;
  for (std::size_t a = 0; a < kEdgeUsers; a += 2)
    for (std::size_t b = 1; b < kEdgeUsers; b += 2) {
      const Facts &x = users[a].facts, &y = users[b].facts;
      const double over = distance_km(x.lat, x.lon, y.lat, y.lon) - x.max_distance_km;
      just_within += over <= 0 && over > -0.001;
      just_beyond += over > 0 && over < 0.001;
    }
  EXPECT_GT(just_within, 0u);
  EXPECT_GT(just_beyond, 0u);
  std::size_t ties = 0, compared = 0;
  for (Isa isa : isas())
    for (std::size_t split : {std::size_t{1} << 40, std::size_t{0}}) {  // one thread; two threads always
      CandidateIndex index(bank, {.isa = isa, .threads = 2, .split_at = split});
      for (const auto& u : users) index.upsert(u);
      ASSERT_EQ(index.size(), users.size());
      for (std::size_t q = 0; q < users.size(); q += q < kEdgeUsers ? 5 : 61) {
        const IndexedUser& who = users[q];
        std::vector<Candidate> all;
        for (const auto& u : users)
          if (u.user_id != who.user_id && !excluded.count(u.user_id) && passes_filters(who.facts, u.facts))
            if (auto s = score_pair(*bank, who.profile, u.profile); !s.excluded()) all.push_back({u.user_id, s});
        std::ranges::sort(all, ranked_before);
        for (std::size_t n : {std::size_t{10}, std::size_t{50}, all.size() + 5}) {
          auto want = all;
          if (want.size() > n) {
            ties += want[n - 1].score.score == want[n].score.score;
            want.resize(n);
          }
          auto got = index.best(who, excluded, n);
          ASSERT_EQ(got.size(), want.size()) << isa_name(isa) << " query " << q << " n " << n;
          for (std::size_t i = 0; i < got.size(); ++i) {
            ASSERT_EQ(got[i].user_id, want[i].user_id) << isa_name(isa) << " query " << q << " rank " << i;
            ASSERT_EQ(got[i].score.score, want[i].score.score);
            ASSERT_EQ(got[i].score.attributes, want[i].score.attributes);
          }
          ++compared;
        }
      }
    }
  EXPECT_GT(compared, 100u);
  EXPECT_GT(ties, 0u) << "some cuts fall among equal scores";
}

TEST(CandidateIndex, FindGivesBackWhatWasIndexed) {
  auto users = varied_population(50);
  users[3].profile.text = std::vector<float>(8, 0.5f);
  users[4].profile.traits.pop_back();  // traits of another length than the bank's dimensions
  CandidateIndex index(product_bank());
  for (const auto& u : users) index.upsert(u);
  for (const auto& u : users) {
    auto back = index.find(u.user_id);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->facts.age, u.facts.age);
    EXPECT_EQ(back->facts.located, u.facts.located);
    EXPECT_EQ(back->facts.hidden, u.facts.hidden);
    EXPECT_EQ(back->facts.complete, u.facts.complete);
    EXPECT_EQ(back->facts.max_distance_km, u.facts.max_distance_km);
    EXPECT_EQ(back->profile.traits, u.profile.traits);
    EXPECT_EQ(back->profile.text, u.profile.text);
    EXPECT_EQ(score_pair(*product_bank(), users[0].profile, back->profile).score,
              score_pair(*product_bank(), users[0].profile, u.profile).score);
  }
  // Removing users moves others within their segment: every one is still found.
  for (std::size_t i = 0; i < users.size(); i += 3) index.remove(users[i].user_id);
  for (std::size_t i = 0; i < users.size(); ++i) EXPECT_EQ(index.find(users[i].user_id).has_value(), i % 3 != 0);
}
