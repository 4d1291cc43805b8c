#include "demo/personality.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace pm::demo {

namespace {

struct Archetype {
  std::string_view name;
  double weight;
  std::vector<std::pair<std::string_view, double>> leanings;
};

// People come in recognisable kinds; "balanced" (no leanings) is the largest group.
const std::vector<Archetype>& archetypes() {
  static const std::vector<Archetype> all = {
      {"balanced", 0.24, {}},
      {"adventurer",
       0.09,
       {{"openness", .4},
        {"extraversion", .3},
        {"adventure", .6},
        {"travel", .6},
        {"activity", .4},
        {"spontaneity", .4},
        {"security", -.3}}},
      {"homebody",
       0.09,
       {{"extraversion", -.5},
        {"nightlife", -.5},
        {"sociability", -.4},
        {"security", .4},
        {"tidiness", .2},
        {"urbanity", -.3}}},
      {"career_driven",
       0.08,
       {{"conscientiousness", .5}, {"ambition", .7}, {"independence", .3}, {"urbanity", .4}, {"family", -.2}}},
      {"family_oriented",
       0.1,
       {{"family", .7}, {"loyalty", .5}, {"security", .5}, {"agreeableness", .3}, {"spirituality", .2}}},
      {"free_spirit",
       0.07,
       {{"openness", .6}, {"spontaneity", .6}, {"independence", .5}, {"conscientiousness", -.4}, {"security", -.4}}},
      {"social_butterfly", 0.09, {{"extraversion", .7}, {"sociability", .7}, {"nightlife", .5}, {"humour", .4}}},
      {"health_nut", 0.07, {{"health", .7}, {"activity", .7}, {"conscientiousness", .3}, {"nightlife", -.3}}},
      {"spiritual", 0.06, {{"spirituality", .8}, {"family", .3}, {"growth", .3}, {"honesty", .3}}},
      {"creative_intellectual", 0.11, {{"openness", .7}, {"growth", .5}, {"urbanity", .3}, {"humour", .2}}},
  };
  return all;
}

// Where the people who sign up to an in-depth matching service lean as a whole: most value
// honesty and loyalty, and somewhat more want a family and security than not.
double population(std::string_view dim) {
  static constexpr std::pair<std::string_view, double> kLean[] = {
      {"loyalty", 0.3}, {"honesty", 0.3}, {"family", 0.1}, {"security", 0.1}, {"agreeableness", 0.1}};
  for (const auto& [d, v] : kLean)
    if (d == dim) return v;
  return 0;
}

double clamp1(double x) { return std::clamp(x, -1.0, 1.0); }

}  // namespace

double Personality::operator[](std::string_view dimension) const {
  if (auto it = traits.find(dimension); it != traits.end()) return it->second;
  // Unknown to the generator (another bank's dimension): stable per person and name, ~N(0, 0.45).
  Rng rng(stable_hash(dimension, salt));
  return clamp1(rng.normal(0, 0.45));
}

Personality draw_personality(Rng& rng, int age) {
  const auto& kinds = archetypes();
  std::vector<double> weights;
  for (const auto& k : kinds) weights.push_back(k.weight);
  const Archetype& kind = kinds[rng.weighted(weights)];
  Personality p{.archetype = std::string(kind.name)};
  auto lean = [&](std::string_view dim) {
    for (const auto& [d, v] : kind.leanings)
      if (d == dim) return v;
    return 0.0;
  };
  auto draw = [&](std::string_view dim, double from_others, double sd = 0.4) {
    p.traits[std::string(dim)] = clamp1(population(dim) + lean(dim) + from_others + rng.normal(0, sd));
  };

  for (auto dim : {"openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"}) draw(dim, 0, 0.45);
  const double o = p["openness"], c = p["conscientiousness"], e = p["extraversion"], a = p["agreeableness"],
               n = p["neuroticism"];
  // Values and lifestyle follow the Big Five loosely (the correlations psychology reports, in spirit).
  const double prime = age >= 27 && age <= 42 ? 0.15 : 0.0;  // family plans peak in these years
  const double youth = std::clamp((35 - age) / 40.0, -0.4, 0.4);
  draw("family", 0.25 * a + prime);
  draw("honesty", 0.3 * a + 0.2 * c);
  draw("ambition", 0.4 * c + 0.1 * e);
  draw("independence", 0.3 * o - 0.25 * a);
  draw("adventure", 0.45 * o + 0.2 * e);
  draw("spirituality", 0.05 * a, 0.55);
  draw("security", 0.3 * c + 0.3 * n - 0.2 * o);
  draw("growth", 0.45 * o);
  draw("loyalty", 0.3 * a + 0.3 * c);
  draw("humour", 0.3 * e);
  draw("activity", 0.3 * c + 0.2 * e);
  draw("sociability", 0.6 * e);
  draw("nightlife", 0.45 * e - 0.25 * c + youth);
  draw("health", 0.4 * c - 0.2 * n);
  draw("tidiness", 0.55 * c);
  draw("spontaneity", 0.4 * o - 0.4 * c);
  draw("urbanity", 0.25 * o + 0.2 * e + 0.2);
  draw("travel", 0.5 * o + 0.15 * e);

  p.pickiness = rng.normal(0, 1);
  p.chattiness = rng.chance(0.35) ? 0.0 : rng.uniform(0.3, 0.95);
  p.salt = rng.bits();
  return p;
}

}  // namespace pm::demo
