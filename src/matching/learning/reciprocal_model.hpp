#pragma once
// The reciprocal model: how likely `a` is to like `b`, learnt from what people did (likes, passes,
// replies), so that matches can be ranked by mutual interest. Free of database and HTTP code: the
// caller supplies the outcomes and the pairs' features (questionnaire_feature.hpp), and stores the bytes.
//
//   logit p(a likes b) = w0 + w1·chooser(a) + w2·appeal(b) + w3·(q(a,b) − q̄) + w4·[q unknown]
//                        + taste(a) · attraction(b)
//
// - chooser(a): how often a likes, as a rate smoothed toward the population's like rate p0 with a
//   Beta prior of `prior_strength` pseudo-decisions ((likes + m·p0) / (decisions + m)), on the
//   logit scale relative to p0: a new user is exactly average (0), never extreme.
// - appeal(b): how often b is liked, smoothed the same way.
// - q(a,b): the questionnaire part, which carries users with little history: the calibrated
//   cold-start score (cold_start.hpp: a logistic model over the pair's named features, fitted on
//   the same outcomes first and stored with the model), or with `use_calibration` off today's
//   compatibility (0-1). Unknown (no answers) is its own term.
// - taste(a) · attraction(b): collaborative factors, two low-rank vectors per user, as a chooser and
//   as one chosen ("people who liked the same people", "people liked by the same people").
//
// Training: the cold-start score's weights, then the five weights above by Newton's method on the
// weighted logistic loss (exact: logistic_fit.hpp), then the factors by SGD on the same loss with
// that linear part as offset. Single-threaded and seeded: the same outcomes, features and seed give
// the same weights and factors (the bytes differ only in the recorded training time). A user
// unknown to the model gets the average tendencies and zero factors, so only the questionnaire part
// tells pairs of new users apart. Nothing about a person but their id, their outcomes and the
// pair's features enters (docs/matching-quality.md).
//
// For the lead (serving):
//   auto model = ReciprocalModel::train(outcomes, features, TrainingParams{}, now_unix);
//   PairPrediction p = model.predict(a, b, features);    // p.mutual ranks the pair
//   std::string bytes = model.to_bytes();                // store (e.g. a bytea column)
//   auto loaded = ReciprocalModel::from_bytes(bytes);    // Result: refuses other formats
// `features(a, b)` (questionnaire_feature.hpp) must be the same function in training and serving. A model is immutable
// after training: predict() may be called from any number of threads at once.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/json.hpp"
#include "core/problem.hpp"
#include "matching/learning/cold_start.hpp"
#include "matching/learning/outcome.hpp"
#include "matching/learning/pair_features.hpp"

namespace pm::matching::learning {

struct TrainingParams {
  int factors = 16;              // length of each taste and attraction vector
  int epochs = 12;               // SGD passes over the outcomes
  float learning_rate = 0.05f;   // SGD step at the first epoch, decaying as 1 / (1 + epoch / 4)
  float regularization = 0.02f;  // L2 on the factors, per update
  float prior_strength = 20;     // Beta prior: pseudo-decisions at the population rate
  std::uint64_t seed = 1;
  // Parts switched off for the evaluation's baselines (all on for serving).
  bool use_questionnaire = true, use_tendencies = true, use_factors = true;
  // The questionnaire part as the calibrated cold-start score (off: today's score as it is).
  bool use_calibration = true;

  Json to_json() const;
  static Result<TrainingParams> from_json(const Json& j);
};

// What a stored model says about its training.
struct TrainingInfo {
  std::int64_t trained_at = 0;  // unix seconds, given by the caller
  std::uint64_t outcomes = 0, users = 0;
  double like_rate = 0;  // p0, the weighted share of likes
  double seconds = 0;    // training wall time
  TrainingParams params;

  Json to_json() const;
};

struct PairPrediction {
  double p_a_likes_b = 0, p_b_likes_a = 0;
  double mutual = 0;  // p_a_likes_b × p_b_likes_a: what ranking uses
};

class ReciprocalModel {
 public:
  // 2: with the cold-start score. Format 1 (without it: today's score) is still read.
  static constexpr std::uint32_t kFormatVersion = 2;

  // Outcomes in any order (with the same ids, features and params, the result is the same).
  static ReciprocalModel train(std::span<const Outcome> outcomes, const PairFeaturesFn& features,
                               const TrainingParams& params, std::int64_t trained_at);

  // p(a likes b) given the pair's features as a sees b (nullopt: the questionnaire part unknown).
  double p_likes(const std::string& a, const std::string& b, const std::optional<PairFeatures>& ab) const;
  PairPrediction predict(const std::string& a, const std::string& b, const std::optional<PairFeatures>& ab,
                         const std::optional<PairFeatures>& ba) const;
  PairPrediction predict(const std::string& a, const std::string& b, const PairFeaturesFn& features) const;

  bool knows(const std::string& user) const { return index_.contains(user); }
  // The weighted decisions made about `user` in the training data (0 for a user the model does not
  // know): how much history the model has of others' interest in them (serving's exploration).
  double decisions_received(const std::string& user) const {
    auto it = index_.find(user);
    return it == index_.end() ? 0 : stats_[it->second].decisions_received;
  }
  const TrainingInfo& info() const { return info_; }
  // The learnt weights w0..w4 (bias, chooser, appeal, questionnaire, questionnaire unknown).
  const std::vector<double>& weights() const { return weights_; }
  // The calibrated cold-start score (the questionnaire part); nullopt: today's score is used.
  const std::optional<ColdStartModel>& cold_start() const { return cold_start_; }

  // Versioned bytes: magic, format version, the training info as JSON, the weights and every
  // user's counts and factors, and a checksum.
  std::string to_bytes() const;
  // Refuses (400 "validation-failed", saying why) anything but an intact model of kFormatVersion.
  static Result<ReciprocalModel> from_bytes(std::string_view bytes);

 private:
  struct UserStats {
    float likes_given = 0, decisions_given = 0;  // weighted
    float likes_received = 0, decisions_received = 0;
  };

  // Tendency features: the smoothed rate on the logit scale relative to p0 (0 for a new user),
  // in training with one example's weight `w` and label `y` taken out.
  double chooser_feature(const UserStats& s, double w = 0, double y = 0) const;
  double appeal_feature(const UserStats& s, double w = 0, double y = 0) const;
  // The questionnaire part's input: the cold-start logit, or today's score (0-1).
  double questionnaire_value(const PairFeatures& f) const;
  double logit_of(int a, int b, const std::optional<PairFeatures>& ab) const;

  TrainingInfo info_;
  std::vector<double> weights_ = std::vector<double>(5, 0.0);
  double compat_mean_ = 0.5;  // of questionnaire_value over the training examples
  std::optional<ColdStartModel> cold_start_;
  std::vector<std::string> ids_;
  std::unordered_map<std::string, int> index_;
  std::vector<UserStats> stats_;
  std::vector<float> taste_, attraction_;  // users × factors, row-major
};

}  // namespace pm::matching::learning
