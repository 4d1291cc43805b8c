#pragma once
// The calibrated cold-start score: a small logistic model of p(a likes b) over the pair's named
// features (pair_features.hpp), fitted on outcomes by the same training as the reciprocal model
// and stored with it. It is the blend's questionnaire part, which carries people with little or
// no history: where the data shows that, say, age closeness or the answers a person marked very
// important predict likes better than today's fixed importance weights, the fit weighs them so;
// where a feature predicts nothing, its weight comes out near zero. What people see stays
// today's score and insights; this only orders.
//
//   logit p(a likes b) = bias + Σ weight_i · (feature_i − mean_i) / sd_i
//
// Each weight is per standard deviation of its feature over the training pairs (comparable across
// features; `describe()` prints them, docs/matching-quality.md explains them). An unknown feature
// counts at its mean (0); a feature that never varied in training has weight 0.

#include <array>
#include <span>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/problem.hpp"
#include "matching/learning/pair_features.hpp"

namespace pm::matching::learning {

class ColdStartModel {
 public:
  // Weighted logistic fit (Newton's method) of `liked` on `features`; the three spans line up.
  static ColdStartModel fit(std::span<const PairFeatures> features, std::span<const float> liked,
                            std::span<const float> weight);

  double logit(const PairFeatures& f) const;
  double probability(const PairFeatures& f) const;

  double bias() const { return bias_; }
  // Per standard deviation of the feature; 0 for one that never varied.
  double weight(Feature f) const { return weights_[static_cast<int>(f)]; }

  // {"bias", "features": [{"name", "unit", "mean", "sd", "weight_per_sd"}]}: stored in the model's
  // header and printed by `perfectmatch learn`.
  Json to_json() const;
  static Result<ColdStartModel> from_json(const Json& j);
  // One line a feature, strongest first: "age_fit        +0.312 per sd (sd 0.21; 0 ... to 1 ...)".
  std::vector<std::string> describe() const;

 private:
  double bias_ = 0;
  std::array<double, kFeatureCount> weights_{}, means_{}, sds_{};
};

}  // namespace pm::matching::learning
