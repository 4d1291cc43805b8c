#pragma once
// The questionnaire part of the reciprocal model: the server's compatibility of the pair, 0-1.
// One definition for training, serving, offline scoring and the evaluation, so the model always
// sees the same feature.

#include <functional>
#include <optional>
#include <string>

#include "matching/compatibility.hpp"
#include "matching/learning/reciprocal_model.hpp"

namespace pm::matching::learning {

// The pair's score / 100, or 0 for a dealbreaker (a pair the server never shows).
inline float questionnaire_feature(const PairScore& s) {
  return s.excluded() ? 0.f : static_cast<float>(s.score / 100);
}

// compat(a, b) from a lookup of users' scoring profiles; nullopt for a user the lookup does not
// know (or who answered nothing). `profile_of` must outlive the returned function.
CompatibilityFn compatibility_from(const ScoringBank& bank,
                                   std::function<const MatchProfile*(const std::string&)> profile_of);

}  // namespace pm::matching::learning
