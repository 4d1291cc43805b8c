#pragma once
// The questionnaire part of the reciprocal model: the server's compatibility of the pair, 0-1, and
// the pair's named features that the calibrated cold-start score weighs (pair_features.hpp). One
// definition for training, serving, offline scoring, the simulator and the evaluation, so the
// model always sees the same features.

#include <functional>
#include <optional>
#include <string>

#include "matching/candidate_index.hpp"
#include "matching/compatibility.hpp"
#include "matching/learning/pair_features.hpp"

namespace pm::matching::learning {

// The pair's score / 100, or 0 for a dealbreaker (a pair the server never shows).
inline float questionnaire_feature(const PairScore& s) {
  return s.excluded() ? 0.f : static_cast<float>(s.score / 100);
}

// b's age in a's stated range: 1 at the range's centre, falling linearly to 0 at its ends (and
// outside it). A range of one year: 1 at that age, else 0.
float age_fit(const Facts& a, int age_b);

// The features of the pair as `a` sees `b`, given their score (score_pair either way: only its
// symmetric parts are used).
PairFeatures pair_features(const ScoringBank& bank, const IndexedUser& a, const IndexedUser& b, const PairScore& s);

// features(a, b) from a lookup of users; nullopt for a user the lookup does not know (or who
// answered nothing). `user_of` must outlive the returned function.
PairFeaturesFn pair_features_from(const ScoringBank& bank,
                                  std::function<const IndexedUser*(const std::string&)> user_of);

}  // namespace pm::matching::learning
