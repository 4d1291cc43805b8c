#pragma once
// A user's trait vectors from their answers: each answer contributes the trait loadings of what
// it chose (a slider loads linearly between its two ends; a multi-select averages its options),
// weighted by the question's importance_weight times (1 + the user's importance), and each
// dimension is the weighted mean of the contributions it received (0 when none).
//   personalityTraits = the bank's "personality" dimensions, relationshipValues = "values",
//   profileVector = all dimensions (personality, values, lifestyle) scaled to unit length: the
//   vector the candidate index searches on.

#include <string>
#include <vector>

#include "core/json.hpp"
#include "matching/scoring_bank.hpp"

namespace pm::matching {

inline constexpr const char* kTraitModel = "pm-traits";
inline constexpr int kTraitModelVersion = 1;

struct TraitVectors {
  std::vector<std::string> personality_dims, value_dims, lifestyle_dims;  // dimension keys, bank order
  std::vector<float> personality, values, lifestyle;                      // each in [-1, 1]
  std::vector<float> profile;                                             // unit length (or zeros)
  std::vector<std::string> key_traits, key_values;                        // e.g. "extroverted", "family"
};

TraitVectors trait_vectors(const ScoringBank& bank, const std::vector<CompactAnswer>& answers);

}  // namespace pm::matching
