#include "demo/answers.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "demo/text.hpp"
#include "questionnaire/branching.hpp"

namespace pm::demo {

namespace {

using questionnaire::Question;
using questionnaire::QuestionType;
using questionnaire::Traits;

constexpr double kChoiceNoise = 0.25;  // Gumbel scale: how often people pick other than their best fit
constexpr double kNoOpinion = 0.2;  // an option without loadings ("not sure") is less likely: most people have a view
constexpr double kStrength = 0.6;   // how much strong loadings need strong traits (see fit)

// How well an option's loadings describe the person: sum(2 t l - k l^2). With k = 1 this is minus
// the squared distance from the traits to the loadings (less what every option shares), so an
// option as marked as the person wins; a smaller k lets milder people still pick marked options
// (most want "a long-term relationship", not only those at the extreme of the scale).
double fit(const Traits& loadings, const Personality& p) {
  if (loadings.empty()) return -kNoOpinion;
  double score = 0;
  for (const auto& [dim, l] : loadings) score += 2 * p[dim] * l - kStrength * l * l;
  return score;
}

// 0-9 around the question's weight, higher for picky people; rarely a dealbreaker (10), mostly on
// the questions that weigh most — about one per person, as people have one or two real ones. (10
// excludes every partner whose answer it does not accept, so a drawn 10 must stay rare.)
int draw_importance(const Question& q, const Personality& p, Rng& rng) {
  double dealbreaker = 0.004 + (q.importance_weight >= 8 ? 0.012 : 0.0) + 0.004 * std::max(0.0, p.pickiness);
  if (rng.chance(dealbreaker)) return 10;
  double mean = 1.5 + 0.55 * q.importance_weight + 1.2 * p.pickiness;
  return std::clamp(static_cast<int>(std::lround(rng.normal(mean, 1.8))), 0, 9);
}

// Whether this person accepts any answer from a partner: likelier when it matters little.
bool accepts_any(int importance, const Personality& p, Rng& rng, double base) {
  return rng.chance(std::clamp(base - 0.06 * importance - 0.08 * p.pickiness, 0.05, 0.95));
}

// The option keys whose fit is within a margin of `reference`, plus those already `chosen`;
// "any" when that is every option.
Json acceptable_options(const Question& q, const std::vector<double>& fits, double reference,
                        const std::vector<bool>& chosen, int importance, Rng& rng) {
  double margin = 0.15 + 0.5 * (1 - importance / 10.0) + rng.uniform(0, 0.2);
  Json keys = Json::array();
  for (std::size_t i = 0; i < q.options.size(); ++i)
    if (chosen[i] || fits[i] >= reference - margin) keys.push_back(q.options[i].key);
  if (keys.size() == q.options.size()) return "any";
  return keys;
}

std::vector<double> fits_of(const Question& q, const Personality& p) {
  std::vector<double> fits;
  for (const auto& o : q.options) fits.push_back(fit(o.traits, p));
  return fits;
}

// Indexes of options in order of preference, noise included.
std::vector<std::size_t> ranked(const std::vector<double>& fits, Rng& rng) {
  std::vector<double> noisy;
  for (double f : fits) noisy.push_back(f + rng.gumbel(kChoiceNoise));
  std::vector<std::size_t> order(fits.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return noisy[a] > noisy[b]; });
  return order;
}

// Slider values are stored as integers when they are whole (as a client would send them).
Json number(double x) {
  if (std::floor(x) == x && std::abs(x) < 1e15) return static_cast<long long>(x);
  return x;
}

GeneratedAnswer choice(const Question& q, const Personality& p, Rng& rng) {
  auto fits = fits_of(q, p);
  std::size_t best = ranked(fits, rng).front();
  GeneratedAnswer a{.question = &q, .importance = draw_importance(q, p, rng)};
  std::vector<bool> chosen(q.options.size(), false);
  chosen[best] = true;
  if (q.type == QuestionType::boolean) {
    a.value = q.options[best].key == "true";
    a.acceptable = accepts_any(a.importance, p, rng, 0.75) ? Json("any") : Json::array({a.value});
    return a;
  }
  a.value = q.options[best].key;
  a.acceptable = accepts_any(a.importance, p, rng, 0.7)
                     ? Json("any")
                     : acceptable_options(q, fits, fits[best], chosen, a.importance, rng);
  return a;
}

GeneratedAnswer selection(const Question& q, const Personality& p, Rng& rng) {
  auto fits = fits_of(q, p);
  auto order = ranked(fits, rng);
  // Around a third of the way from the fewest to the most allowed: a couple of hobbies, not all twelve.
  double typical = q.min_selections + 0.3 * (q.max_selections - q.min_selections);
  int n = std::clamp(static_cast<int>(std::lround(rng.normal(typical, 0.9))), q.min_selections, q.max_selections);
  std::vector<bool> chosen(q.options.size(), false);
  double weakest = 1e9;
  for (int k = 0; k < n; ++k) {
    chosen[order[static_cast<std::size_t>(k)]] = true;
    weakest = std::min(weakest, fits[order[static_cast<std::size_t>(k)]]);
  }
  GeneratedAnswer a{.question = &q, .importance = draw_importance(q, p, rng)};
  a.value = Json::array();
  for (std::size_t i = 0; i < q.options.size(); ++i)
    if (chosen[i]) a.value.push_back(q.options[i].key);  // in the question's order, as a list of keys
  a.acceptable = accepts_any(a.importance, p, rng, 0.8)
                     ? Json("any")
                     : acceptable_options(q, fits, weakest, chosen, a.importance, rng);
  return a;
}

GeneratedAnswer slider(const Question& q, const Personality& p, Rng& rng) {
  const auto& s = q.slider;
  // The direction the loadings change in from min to max, weighed by the traits: -1 (min) to 1 (max).
  std::map<std::string, double> change;
  for (const auto& [dim, l] : s.at_max) change[dim] += l;
  for (const auto& [dim, l] : s.at_min) change[dim] -= l;
  double pull = 0, weight = 0;
  for (const auto& [dim, d] : change) {
    pull += d * p[dim];
    weight += std::abs(d);
  }
  double position = weight > 0 ? 0.5 + 0.5 * std::clamp(1.3 * pull / weight, -1.0, 1.0) : 0.5;
  position = std::clamp(position + rng.normal(0, weight > 0 ? 0.1 : 0.2), 0.0, 1.0);
  const int steps = static_cast<int>(std::lround((s.max - s.min) / s.step));
  const int at = static_cast<int>(std::lround(position * steps));
  auto value_at = [&](int k) { return std::clamp(s.min + k * s.step, s.min, s.max); };

  GeneratedAnswer a{.question = &q, .value = number(value_at(at)), .importance = draw_importance(q, p, rng)};
  if (accepts_any(a.importance, p, rng, 0.55)) {
    a.acceptable = "any";
    return a;
  }
  // A range around the own value: narrower the more it matters.
  double half = steps * (0.12 + 0.3 * (1 - a.importance / 10.0)) * rng.uniform(0.7, 1.3);
  int lo = std::max(0, at - static_cast<int>(std::lround(half * rng.uniform(0.6, 1.4))));
  int hi = std::min(steps, at + static_cast<int>(std::lround(half * rng.uniform(0.6, 1.4))));
  a.acceptable =
      lo == 0 && hi == steps ? Json("any") : Json{{"min", number(value_at(lo))}, {"max", number(value_at(hi))}};
  return a;
}

}  // namespace

std::vector<GeneratedAnswer> answer_bank(const questionnaire::Bank& bank, const Personality& person,
                                         const std::vector<std::string>& interests, bool premium, Rng& rng) {
  std::vector<GeneratedAnswer> out;
  std::map<std::string, Json, std::less<>> by_key;  // answers so far, as branching reads them
  auto lookup = [&](std::string_view key) -> const Json* {
    auto it = by_key.find(key);
    return it == by_key.end() ? nullptr : &it->second;
  };
  for (const Question* q : bank.questions()) {
    if (!questionnaire::is_shown(q->branching, lookup)) continue;
    if (q->premium_only && !premium) continue;
    switch (q->type) {
      case QuestionType::multiple_choice:
      case QuestionType::boolean:
        out.push_back(choice(*q, person, rng));
        break;
      case QuestionType::multiple_select:
        out.push_back(selection(*q, person, rng));
        break;
      case QuestionType::slider:
        out.push_back(slider(*q, person, rng));
        break;
      case QuestionType::open_ended:
        if (!q->required && !rng.chance(person.chattiness)) continue;
        out.push_back(
            {.question = q,
             .value = write_open_answer(rng, person, interests, q->text, static_cast<std::size_t>(q->max_length)),
             .acceptable = "any",
             .importance = draw_importance(*q, person, rng)});
        break;
    }
    by_key[q->key] = out.back().value;
  }
  return out;
}

}  // namespace pm::demo
