#include "demo/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <unordered_set>

#include <fmt/format.h>

#include "demo/answers.hpp"
#include "matching/engine.hpp"
#include "matching/learning/questionnaire_feature.hpp"
#include "matching/vectors.hpp"

namespace pm::demo {

namespace {

using matching::learning::Outcome;

constexpr int kSecondsPerDay = 86400;

Behaviour draw_behaviour(std::uint64_t seed, int number) {
  Rng rng = Rng::stream(seed, static_cast<std::uint64_t>(number), "behaviour");
  Behaviour b;
  b.appeal = rng.normal();
  b.selectivity = rng.normal(0, 0.8);
  for (double& t : b.type) t = rng.normal();
  for (double& t : b.taste) t = rng.normal();
  return b;
}

std::vector<GeneratedAnswer> answers_of(const questionnaire::Bank& bank, std::uint64_t seed, const Person& p) {
  Rng stream = Rng::stream(seed, static_cast<std::uint64_t>(p.answers_of), "answers");
  return answer_bank(bank, p.personality, p.interests, p.premium, stream);
}

matching::Facts facts_of(const Person& p) {
  return {.gender = matching::gender_bit(p.gender),
          .seeking = matching::seeking_mask(p.seeking_gender),
          .age = static_cast<std::int16_t>(p.age),
          .min_age = static_cast<std::int16_t>(p.min_age),
          .max_age = static_cast<std::int16_t>(p.max_age),
          .lat = static_cast<float>(p.latitude),
          .lon = static_cast<float>(p.longitude),
          .located = true,
          .max_distance_km = p.max_distance,
          .hidden = p.visibility == "hidden",
          .complete = true};
}

double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

struct ShownPair {
  std::size_t a, b;
  std::int64_t at;
  double compat;
};

}  // namespace

std::vector<SimulatedPerson> simulate_people(const matching::ScoringBank& bank, const SimulationOptions& options,
                                             std::chrono::year_month_day today) {
  matching::HashingEmbedder embedder;
  std::vector<SimulatedPerson> people;
  people.reserve(static_cast<std::size_t>(std::max(0, options.users)));
  for (int n = 1; n <= options.users; ++n) {
    SimulatedPerson s{.person = make_person(options.seed, n, today)};
    s.behaviour = draw_behaviour(options.seed, n);
    s.indexed.user_id = fmt::format("sim{}", n);
    s.indexed.facts = facts_of(s.person);
    std::vector<matching::AnswerValue> values;
    for (const auto& a : answers_of(bank.bank(), options.seed, s.person))
      values.push_back({a.question->id, a.value, a.acceptable, a.importance});
    s.indexed.profile.answers = bank.encode_all(values);
    s.indexed.profile.traits = matching::trait_vectors(bank, s.indexed.profile.answers).profile;
    s.indexed.profile.text = embedder.embed(matching::embedding_text(s.person.bio, bank.open_answers(values)))
                                 .value_or(std::vector<float>{});
    Rng join = Rng::stream(options.seed, static_cast<std::uint64_t>(n), "joined");
    s.joined = options.start + static_cast<std::int64_t>(join.uniform(0, 0.7 * options.days) * kSecondsPerDay);
    people.push_back(std::move(s));
  }
  return people;
}

std::vector<Outcome> simulate_outcomes(const matching::ScoringBank& bank, const std::vector<SimulatedPerson>& people,
                                       const SimulationOptions& options, const DecisionWeights& weights) {
  // Who can be shown to whom: people of the same city (the demo cities are far apart), both ways
  // through the server's hard filters, no dealbreaker. Each person is shown random such pairs
  // (the server's ranking is what the model will change, so exposure here is neutral).
  std::map<std::string, std::vector<std::size_t>> by_city;
  for (std::size_t i = 0; i < people.size(); ++i) by_city[people[i].person.location_label].push_back(i);
  std::unordered_set<std::uint64_t> seen;
  std::vector<ShownPair> shown;
  const std::int64_t end = options.start + static_cast<std::int64_t>(options.days) * kSecondsPerDay;
  for (std::size_t i = 0; i < people.size(); ++i) {
    const SimulatedPerson& a = people[i];
    const auto& city = by_city[a.person.location_label];
    Rng rng = Rng::stream(options.seed, static_cast<std::uint64_t>(a.person.number), "shown");
    int found = 0;
    for (int attempt = 0; attempt < 20 * options.pairs_per_user && found < options.pairs_per_user; ++attempt) {
      const std::size_t j = city[static_cast<std::size_t>(rng.integer(0, static_cast<int>(city.size()) - 1))];
      if (j == i) continue;
      const std::uint64_t key = (static_cast<std::uint64_t>(std::min(i, j)) << 32) | std::max(i, j);
      if (seen.contains(key) || !matching::passes_filters(a.indexed.facts, people[j].indexed.facts)) continue;
      auto score = matching::score_pair(bank, a.indexed.profile, people[j].indexed.profile);
      if (score.excluded()) continue;
      seen.insert(key);
      const std::int64_t from = std::max(a.joined, people[j].joined);
      shown.push_back({i, j, from + static_cast<std::int64_t>(rng.uniform() * static_cast<double>(end - from)),
                       matching::learning::questionnaire_feature(score)});
      ++found;
    }
  }

  // The questionnaire's part is per standard deviation of the score among shown pairs (and the age
  // part per standard deviation of the age fit, over both directions).
  auto fit_of = [&](const SimulatedPerson& chooser, const SimulatedPerson& other) {
    return static_cast<double>(matching::learning::age_fit(chooser.indexed.facts, other.indexed.facts.age));
  };
  double mean = 0, sq = 0, fit_mean = 0, fit_sq = 0;
  for (const auto& p : shown) {
    mean += p.compat;
    for (double fit : {fit_of(people[p.a], people[p.b]), fit_of(people[p.b], people[p.a])}) fit_mean += fit;
  }
  const double count = static_cast<double>(std::max<std::size_t>(1, shown.size()));
  mean /= count;
  fit_mean /= 2 * count;
  for (const auto& p : shown) {
    sq += (p.compat - mean) * (p.compat - mean);
    for (double fit : {fit_of(people[p.a], people[p.b]), fit_of(people[p.b], people[p.a])})
      fit_sq += (fit - fit_mean) * (fit - fit_mean);
  }
  const double sd = std::max(1e-6, std::sqrt(sq / count)), fit_sd = std::max(1e-6, std::sqrt(fit_sq / (2 * count)));

  auto logit = [&](const SimulatedPerson& chooser, const SimulatedPerson& other, double compat) {
    double taste = 0;
    for (int d = 0; d < kTypeDimensions; ++d) taste += chooser.behaviour.taste[d] * other.behaviour.type[d];
    return weights.base - chooser.behaviour.selectivity + weights.appeal * other.behaviour.appeal +
           weights.taste * taste / std::sqrt(static_cast<double>(kTypeDimensions)) +
           weights.questionnaire * (compat - mean) / sd +
           (weights.age_fit != 0 ? weights.age_fit * (fit_of(chooser, other) - fit_mean) / fit_sd : 0);
  };

  std::vector<Outcome> out;
  for (std::size_t n = 0; n < shown.size(); ++n) {
    const ShownPair& pair = shown[n];
    Rng rng = Rng::stream(options.seed, n, "decisions");
    const SimulatedPerson* side[2] = {&people[pair.a], &people[pair.b]};
    bool liked[2] = {false, false};
    std::int64_t at[2] = {0, 0};
    bool decided[2] = {false, false};
    for (int s = 0; s < 2; ++s) {
      decided[s] = rng.chance(options.decide_share);
      const double p = sigmoid(logit(*side[s], *side[1 - s], pair.compat));
      liked[s] = rng.uniform() < p;
      at[s] = pair.at + static_cast<std::int64_t>(rng.uniform(0, 2) * kSecondsPerDay);
      if (decided[s]) out.push_back({side[s]->indexed.user_id, side[1 - s]->indexed.user_id, liked[s], at[s], 1.f});
    }
    if (!(decided[0] && decided[1] && liked[0] && liked[1]) || !rng.chance(options.message_share)) continue;
    // A match: one writes first, the other may reply; keener people reply more.
    const int sender = rng.chance(0.5) ? 0 : 1, replier = 1 - sender;
    const double p_reply = sigmoid(logit(*side[replier], *side[sender], pair.compat) + 0.5);
    if (!rng.chance(p_reply)) continue;
    const std::int64_t matched = std::max(at[0], at[1]);
    out.push_back({side[replier]->indexed.user_id, side[sender]->indexed.user_id, true,
                   matched + static_cast<std::int64_t>(rng.uniform(0, options.reply_days) * kSecondsPerDay),
                   matching::learning::kReplyWeight});
  }
  std::stable_sort(out.begin(), out.end(), [](const Outcome& x, const Outcome& y) { return x.at < y.at; });
  return out;
}

matching::learning::PairFeaturesFn pair_features_of(const matching::ScoringBank& bank,
                                                    const std::vector<SimulatedPerson>& people) {
  auto profiles = std::make_shared<std::map<std::string, const matching::IndexedUser*>>();
  for (const auto& p : people) (*profiles)[p.indexed.user_id] = &p.indexed;
  return matching::learning::pair_features_from(bank, [profiles](const std::string& id) {
    auto it = profiles->find(id);
    return it == profiles->end() ? nullptr : it->second;
  });
}

Json offline_user_line(const matching::ScoringBank& bank, const SimulatedPerson& who, std::uint64_t seed) {
  const Person& p = who.person;
  Json answers = Json::array();
  for (const auto& a : answers_of(bank.bank(), seed, p))
    answers.push_back({{"question", a.question->key},
                       {"value", a.value},
                       {"acceptable", a.acceptable},
                       {"importance", a.importance}});
  return {{"id", who.indexed.user_id},
          {"name", p.first_name},
          {"gender", p.gender},
          {"seeking", p.seeking_gender},
          {"age", p.age},
          {"location", {{"latitude", p.latitude}, {"longitude", p.longitude}}},
          {"preferences", {{"min_age", p.min_age}, {"max_age", p.max_age}, {"max_distance", p.max_distance}}},
          {"bio", p.bio},
          {"answers", answers}};
}

}  // namespace pm::demo
