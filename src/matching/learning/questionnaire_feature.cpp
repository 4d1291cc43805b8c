#include "matching/learning/questionnaire_feature.hpp"

#include <algorithm>
#include <cmath>

namespace pm::matching::learning {

namespace {

// The importance bands whose answers the cold-start score weighs apart (0 weighs nothing today).
int band_of(int importance) { return importance <= 0 ? -1 : importance <= 3 ? 0 : importance <= 6 ? 1 : 2; }

}  // namespace

float age_fit(const Facts& a, int age_b) {
  const double centre = (a.min_age + a.max_age) / 2.0, half = (a.max_age - a.min_age) / 2.0;
  if (half <= 0) return age_b == a.min_age ? 1.f : 0.f;
  return static_cast<float>(std::clamp(1 - std::abs(age_b - centre) / half, 0.0, 1.0));
}

PairFeatures pair_features(const ScoringBank& bank, const IndexedUser& a, const IndexedUser& b, const PairScore& s) {
  PairFeatures f;
  f[Feature::questionnaire] = s.excluded() ? 0.f : static_cast<float>(s.score);
  f[Feature::age_fit] = age_fit(a.facts, b.facts.age);
  f[Feature::age_gap] = static_cast<float>(std::abs(a.facts.age - b.facts.age));
  f[Feature::evidence] = static_cast<float>(s.shared);
  if (a.facts.located && b.facts.located)
    f[Feature::distance] =
        static_cast<float>(std::log1p(distance_km(a.facts.lat, a.facts.lon, b.facts.lat, b.facts.lon)));
  // How well b's answers suit a, apart for each band of a's importance (unweighted within it).
  int suited[3] = {}, asked[3] = {};
  const auto& slots = bank.slots();
  const std::size_t n = std::min({slots.size(), a.profile.answers.size(), b.profile.answers.size()});
  for (std::size_t i = 0; i < n; ++i) {
    const CompactAnswer& x = a.profile.answers[i];
    const CompactAnswer& y = b.profile.answers[i];
    const int band = band_of(x.importance);
    if (!x.answered() || !y.answered() || band < 0) continue;
    ++asked[band];
    suited[band] += accepts(x, y, slots[i].slider);
  }
  for (int band = 0; band < 3; ++band)
    if (asked[band])
      f[static_cast<Feature>(static_cast<int>(Feature::suits_low) + band)] =
          static_cast<float>(suited[band]) / asked[band];
  return f;
}

PairFeaturesFn pair_features_from(const ScoringBank& bank,
                                  std::function<const IndexedUser*(const std::string&)> user_of) {
  return
      [&bank, user_of = std::move(user_of)](const std::string& a, const std::string& b) -> std::optional<PairFeatures> {
        const IndexedUser* ua = user_of(a);
        const IndexedUser* ub = user_of(b);
        auto answered = [](const IndexedUser* u) {
          return u && std::any_of(u->profile.answers.begin(), u->profile.answers.end(),
                                  [](const auto& x) { return x.answered(); });
        };
        if (!answered(ua) || !answered(ub)) return std::nullopt;
        return pair_features(bank, *ua, *ub, score_pair(bank, ua->profile, ub->profile));
      };
}

}  // namespace pm::matching::learning
