#include "matching_data.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "matching/vectors.hpp"
#include "questionnaire/bank.hpp"

namespace pm::bench {

namespace {

namespace fs = std::filesystem;
using matching::CompactAnswer;
using questionnaire::Question;
using questionnaire::QuestionType;

// Our own conversions from the engine's bits: std::*_distribution may differ between standard
// libraries, and the population must be the same wherever the benchmark runs.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool chance(double p) { return uniform() < p; }
  int integer(int lo, int hi) { return lo + static_cast<int>(engine_() % static_cast<std::uint64_t>(hi - lo + 1)); }
  double normal(double mean, double sd) {  // Box-Muller
    double u = 1.0 - uniform(), v = uniform();
    return mean + sd * std::sqrt(-2 * std::log(u)) * std::cos(2 * std::numbers::pi * v);
  }
  double gumbel(double scale) { return -scale * std::log(-std::log(1.0 - uniform() * (1 - 1e-12))); }

 private:
  std::mt19937_64 engine_;
};

struct City {
  double lat, lon, weight;
};
// London, Paris, Berlin, Madrid, Rome, Amsterdam, Vienna, Stockholm, Warsaw, New York, Toronto,
// Sydney: all more than 150 km apart, so a distance-limited user only meets their own city.
constexpr City kCities[] = {{51.5074, -0.1278, 1.6},  {48.8566, 2.3522, 1.4},   {52.5200, 13.4050, 1.2},
                            {40.4168, -3.7038, 1.0},  {41.9028, 12.4964, 0.9},  {52.3676, 4.9041, 0.6},
                            {48.2082, 16.3738, 0.6},  {59.3293, 18.0686, 0.5},  {52.2297, 21.0122, 0.7},
                            {40.7128, -74.0060, 1.8}, {43.6532, -79.3832, 0.9}, {-33.8688, 151.2093, 0.8}};
constexpr double kJitterKm = 6;

constexpr int kArchetypes = 8;
constexpr double kArchetypeShare = 0.65, kOwnSpread = 0.35;  // person = share * archetype + N(0, spread)
constexpr double kChoiceNoise = 0.25;                        // Gumbel scale on option fit: people are not consistent
constexpr double kSliderNoise = 0.12;                        // sd of a slider position, on 0-1

// (dimension index, loading): answers for a million users without a map lookup by name.
using Loadings = std::vector<std::pair<int, double>>;

struct QuestionModel {
  const Question* q = nullptr;
  std::vector<Loadings> options;  // choice and boolean questions
  Loadings at_min, at_max;        // sliders
  int steps = 0;                  // sliders: highest step index
};

struct Personality {
  std::vector<double> traits;  // by bank dimension, in [-1, 1]
  double pickiness = 0;        // ~N(0, 1): how much answers matter to this person
};

class Model {
 public:
  Model(const matching::ScoringBank& bank, Random& rng) {
    const auto& dims = bank.bank().dimensions;
    auto loadings = [&](const questionnaire::Traits& t) {
      Loadings out;
      for (const auto& [dim, l] : t)
        for (std::size_t d = 0; d < dims.size(); ++d)
          if (dims[d].key == dim) out.emplace_back(static_cast<int>(d), l);
      return out;
    };
    for (const auto& slot : bank.slots()) {
      QuestionModel m{.q = slot.question};
      if (slot.slider) {
        const auto& s = slot.question->slider;
        m.at_min = loadings(s.at_min);
        m.at_max = loadings(s.at_max);
        m.steps = static_cast<int>(std::lround((s.max - s.min) / s.step));
      } else {
        // CompactAnswer holds options as a 16-bit mask; the bank format allows at most 12.
        for (std::size_t k = 0; k < slot.question->options.size() && k < 16; ++k)
          m.options.push_back(loadings(slot.question->options[k].traits));
      }
      questions_.push_back(std::move(m));
    }
    for (int a = 0; a < kArchetypes; ++a) {
      archetypes_.emplace_back();
      for (std::size_t d = 0; d < dims.size(); ++d)
        archetypes_.back().push_back(std::clamp(rng.normal(0, 0.55), -1.0, 1.0));
    }
  }

  Personality person(Random& rng) const {
    const auto& arch = archetypes_[static_cast<std::size_t>(rng.integer(0, kArchetypes - 1))];
    Personality p;
    for (double centre : arch)
      p.traits.push_back(std::clamp(kArchetypeShare * centre + rng.normal(0, kOwnSpread), -1.0, 1.0));
    p.pickiness = rng.normal(0, 1);
    return p;
  }

  std::vector<CompactAnswer> answers(const Personality& p, Random& rng) const {
    std::vector<CompactAnswer> out;
    out.reserve(questions_.size());
    for (const auto& m : questions_) out.push_back(m.steps > 0 ? slider(m, p, rng) : choice(m, p, rng));
    return out;
  }

 private:
  // How well loadings describe the person: minus the squared distance between them, less what
  // all options share, with strong loadings discounted so that mild people still pick them.
  static double fit(const Loadings& loadings, const Personality& p) {
    if (loadings.empty()) return -0.2;  // "not sure"-style options: most people have a view
    double score = 0;
    for (const auto& [d, l] : loadings) score += 2 * p.traits[static_cast<std::size_t>(d)] * l - 0.6 * l * l;
    return score;
  }

  // 0-9 around the question's weight, higher for picky people; now and then 10, a dealbreaker.
  static std::uint8_t importance(const Question& q, const Personality& p, Random& rng) {
    if (rng.chance(0.004 + (q.importance_weight >= 8 ? 0.006 : 0.0) + 0.003 * std::max(0.0, p.pickiness))) return 10;
    double mean = 1.0 + 0.5 * q.importance_weight + 1.2 * p.pickiness;
    return static_cast<std::uint8_t>(std::clamp(std::lround(rng.normal(mean, 1.8)), 0L, 9L));
  }

  // Accepting anything from a partner is likelier when the question matters less.
  static bool accepts_any(int importance, const Personality& p, Random& rng) {
    return rng.chance(std::clamp(0.7 - 0.06 * importance - 0.08 * p.pickiness, 0.05, 0.9));
  }

  static CompactAnswer choice(const QuestionModel& m, const Personality& p, Random& rng) {
    const std::size_t n = m.options.size();
    std::vector<double> fits(n), noisy(n);
    for (std::size_t k = 0; k < n; ++k) {
      fits[k] = fit(m.options[k], p);
      noisy[k] = fits[k] + rng.gumbel(kChoiceNoise);
    }
    std::vector<std::size_t> order(n);
    for (std::size_t k = 0; k < n; ++k) order[k] = k;
    std::ranges::sort(order, [&](auto x, auto y) { return noisy[x] > noisy[y]; });
    int picks = 1;
    if (m.q->type == QuestionType::multiple_select) {
      const int most = std::clamp(m.q->max_selections, 1, static_cast<int>(n));
      picks = rng.integer(std::clamp(m.q->min_selections, 1, most), most);
    }
    CompactAnswer a;
    a.flags = CompactAnswer::kAnswered;
    a.importance = importance(*m.q, p, rng);
    double best = -1e9;
    for (int i = 0; i < picks; ++i) {
      a.value |= static_cast<std::uint16_t>(1u << order[static_cast<std::size_t>(i)]);
      best = std::max(best, fits[order[static_cast<std::size_t>(i)]]);
    }
    if (accepts_any(a.importance, p, rng)) {
      a.flags |= CompactAnswer::kAcceptAny;
      return a;
    }
    // Their own answer, and the options that fit them almost as well; the more it matters, the fewer.
    const double margin = 0.2 + 0.6 * (1 - a.importance / 10.0) + rng.uniform(0, 0.2);
    a.accept_lo = a.value;
    for (std::size_t k = 0; k < n; ++k)
      if (fits[k] >= best - margin) a.accept_lo |= static_cast<std::uint16_t>(1u << k);
    if (a.accept_lo == (1u << n) - 1) {
      a.accept_lo = 0;
      a.flags |= CompactAnswer::kAcceptAny;
    }
    return a;
  }

  static CompactAnswer slider(const QuestionModel& m, const Personality& p, Random& rng) {
    const double lean = fit(m.at_max, p) - fit(m.at_min, p);
    const double t = std::clamp(1 / (1 + std::exp(-2.5 * lean)) + rng.normal(0, kSliderNoise), 0.0, 1.0);
    CompactAnswer a;
    a.flags = CompactAnswer::kAnswered;
    a.value = static_cast<std::uint16_t>(std::lround(t * m.steps));
    a.importance = importance(*m.q, p, rng);
    if (accepts_any(a.importance, p, rng)) {
      a.flags |= CompactAnswer::kAcceptAny;
      return a;
    }
    const double half = m.steps * (0.15 + 0.35 * (1 - a.importance / 10.0)) + rng.uniform(0, 1);
    const int lo = std::max(0, static_cast<int>(std::lround(a.value - half)));
    const int hi = std::min(m.steps, static_cast<int>(std::lround(a.value + half)));
    if (lo == 0 && hi == m.steps) {
      a.flags |= CompactAnswer::kAcceptAny;
      return a;
    }
    a.accept_lo = static_cast<std::uint16_t>(lo);
    a.accept_hi = static_cast<std::uint16_t>(hi);
    return a;
  }

  std::vector<QuestionModel> questions_;
  std::vector<std::vector<double>> archetypes_;
};

// Mostly 25-40, a band of 18-24 and a tail up to 70.
std::int16_t draw_age(Random& rng) {
  double u = rng.uniform();
  long age;
  if (u < 0.65)
    age = std::clamp(std::lround(rng.normal(32, 4.5)), 23L, 45L);
  else if (u < 0.80)
    age = rng.integer(18, 24);
  else
    age = 40 + std::lround(std::abs(rng.normal(0, 12)));
  return static_cast<std::int16_t>(std::clamp(age, 18L, 70L));
}

matching::Facts draw_facts(Random& rng, double no_limit_share) {
  using namespace matching;
  Facts f;
  const double g = rng.uniform(), s = rng.uniform();
  if (g < 0.48)
    f.gender = kWoman, f.seeking = s < 0.86 ? kMan : s < 0.93 ? kEveryone : kWoman;
  else if (g < 0.96)
    f.gender = kMan, f.seeking = s < 0.88 ? kWoman : s < 0.94 ? kEveryone : kMan;
  else
    f.gender = kNonBinary, f.seeking = s < 0.6 ? kEveryone : s < 0.8 ? kWoman : kMan;
  f.age = draw_age(rng);
  f.min_age = static_cast<std::int16_t>(std::max(18L, std::lround(f.age - 2 - std::abs(rng.normal(0, 5)))));
  f.max_age = static_cast<std::int16_t>(std::min(99L, std::lround(f.age + 2 + std::abs(rng.normal(0, 6)))));

  double weights = 0;
  for (const auto& c : kCities) weights += c.weight;
  double pick = rng.uniform(0, weights);
  const City* city = &kCities[0];
  for (const auto& c : kCities)
    if ((pick -= c.weight) < 0) {
      city = &c;
      break;
    }
  f.lat = static_cast<float>(city->lat + rng.normal(0, kJitterKm) / 110.574);
  f.lon = static_cast<float>(city->lon +
                             rng.normal(0, kJitterKm) / (111.320 * std::cos(city->lat * std::numbers::pi / 180)));
  f.located = true;
  f.max_distance_km = rng.chance(no_limit_share) ? 0 : 25 + 5 * rng.integer(0, 25);  // 25-150 km
  f.hidden = false;
  f.complete = true;
  return f;
}

fs::path find_bank() {
  if (const char* env = std::getenv("PM_BENCH_BANK"); env && *env) return env;
  const fs::path relative = "data/questions/perfect-match.json";
  std::vector<fs::path> starts = {fs::current_path()};
  std::error_code ec;
  if (auto exe = fs::read_symlink("/proc/self/exe", ec); !ec) starts.push_back(exe.parent_path());
  for (auto dir : starts)
    for (; !dir.empty(); dir = dir.parent_path()) {
      if (fs::exists(dir / relative)) return dir / relative;
      if (dir == dir.root_path()) break;
    }
  throw std::runtime_error("cannot find " + relative.string() + " (set PM_BENCH_BANK)");
}

}  // namespace

std::shared_ptr<const matching::ScoringBank> product_bank() {
  const fs::path path = find_bank();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw std::runtime_error("cannot read " + path.string());
  auto bank = questionnaire::parse_bank(Json::parse(text.str()));
  if (!bank) throw std::runtime_error(path.string() + ": " + bank.error().detail);
  return std::make_shared<const matching::ScoringBank>(std::move(*bank));
}

std::vector<matching::IndexedUser> make_population(const matching::ScoringBank& bank,
                                                   const PopulationOptions& options) {
  // One stream, drawn user after user: a population is a prefix of any larger one with the same seed.
  Random rng(options.seed);
  const Model model(bank, rng);
  std::vector<matching::IndexedUser> users(options.users);
  for (std::size_t i = 0; i < users.size(); ++i) {
    auto& u = users[i];
    u.user_id = fmt::format("00000000-0000-4000-8000-{:012}", i + 1);
    u.facts = draw_facts(rng, options.no_limit_share);
    if (i > 0 && rng.chance(options.duplicate_share)) {
      // Exactly an earlier user's answers (and so their vector); their own facts.
      const auto& original = users[static_cast<std::size_t>(rng.integer(0, static_cast<int>(i) - 1))].profile;
      u.profile.answers = original.answers;
      u.profile.traits = original.traits;
      continue;
    }
    u.profile.answers = model.answers(model.person(rng), rng);
    u.profile.traits = matching::trait_vectors(bank, u.profile.answers).profile;
  }
  return users;
}

}  // namespace pm::bench
