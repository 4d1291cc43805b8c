#include "matching/vectors.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/text.hpp"
#include "matching/embedding.hpp"

namespace pm::matching {

namespace {

using questionnaire::Traits;

// Words for the Big Five ends, so keyTraits read like the seed's ("extroverted", "creative").
const std::map<std::string, std::pair<const char*, const char*>, std::less<>> kTraitWords = {
    {"openness", {"curious", "traditional"}},         {"conscientiousness", {"organised", "easygoing"}},
    {"extraversion", {"extroverted", "introverted"}}, {"agreeableness", {"warm", "straightforward"}},
    {"neuroticism", {"sensitive", "calm"}},
};

void add(std::map<std::string, std::pair<double, double>>& acc, const Traits& t, double scale, double w) {
  for (const auto& [dim, loading] : t) {
    acc[dim].first += w * scale * loading;
    acc[dim].second += w * scale;
  }
}

}  // namespace

TraitVectors trait_vectors(const ScoringBank& bank, const std::vector<CompactAnswer>& answers) {
  // dimension -> (weighted sum of loadings, sum of weights)
  std::map<std::string, std::pair<double, double>> acc;
  const auto& slots = bank.slots();
  for (std::size_t i = 0; i < slots.size() && i < answers.size(); ++i) {
    const CompactAnswer& a = answers[i];
    if (!a.answered()) continue;
    const auto& q = *slots[i].question;
    const double w = q.importance_weight * (1.0 + a.importance);
    if (slots[i].slider) {
      const auto& s = q.slider;
      double t = s.max > s.min ? std::clamp(a.value * s.step / (s.max - s.min), 0.0, 1.0) : 0.0;
      add(acc, s.at_min, 1 - t, w);
      add(acc, s.at_max, t, w);
      // The weights of both ends sum to w for a dimension both ends load.
      continue;
    }
    auto picks = bank.chosen(static_cast<int>(i), a);
    for (int k : picks)
      if (k < static_cast<int>(q.options.size())) add(acc, q.options[k].traits, 1.0 / picks.size(), w);
  }
  TraitVectors out;
  for (const auto& d : bank.bank().dimensions) {
    auto it = acc.find(d.key);
    float v =
        it == acc.end() || it->second.second <= 0 ? 0.f : static_cast<float>(it->second.first / it->second.second);
    v = std::clamp(v, -1.f, 1.f);
    if (d.group == "personality")
      out.personality_dims.push_back(d.key), out.personality.push_back(v);
    else if (d.group == "values")
      out.value_dims.push_back(d.key), out.values.push_back(v);
    else
      out.lifestyle_dims.push_back(d.key), out.lifestyle.push_back(v);
  }
  out.profile = out.personality;
  out.profile.insert(out.profile.end(), out.values.begin(), out.values.end());
  out.profile.insert(out.profile.end(), out.lifestyle.begin(), out.lifestyle.end());
  l2_normalise(out.profile);

  // The three strongest personality ends and the three values held most.
  std::vector<std::size_t> order(out.personality.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::ranges::sort(order, [&](auto x, auto y) { return std::abs(out.personality[x]) > std::abs(out.personality[y]); });
  for (std::size_t i : order) {
    if (out.key_traits.size() == 3 || std::abs(out.personality[i]) < 0.1f) break;
    auto words = kTraitWords.find(out.personality_dims[i]);
    const bool high = out.personality[i] > 0;
    if (words != kTraitWords.end())
      out.key_traits.emplace_back(high ? words->second.first : words->second.second);
    else if (high)
      out.key_traits.push_back(ascii_lower(out.personality_dims[i]));
  }
  order.resize(out.values.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::ranges::sort(order, [&](auto x, auto y) { return out.values[x] > out.values[y]; });
  for (std::size_t i : order) {
    if (out.key_values.size() == 3 || out.values[i] < 0.1f) break;
    out.key_values.push_back(out.value_dims[i]);
  }
  return out;
}

}  // namespace pm::matching
