#pragma once
// Offline evaluation of the reciprocal model on outcomes (simulated or real): hold out a share of
// the pairs, train on the rest, and measure how well each ranking orders the held-out decisions.
// Rankings compared (docs/matching-quality.md):
//   questionnaire        the questionnaire compatibility alone (today's ranking)
//   calibrated           the calibrated cold-start score alone (cold_start.hpp: what carries a
//                        person without history)
//   tendencies           how often the chooser likes and the chosen is liked (the baseline to beat)
//   factors+tendencies   the learnt model without the questionnaire
//   blended, today's questionnaire   the whole model with today's score as its questionnaire part
//   blended              the whole model (what serving uses)
// Pairs, not single outcomes, are held out (both people's decisions and any reply together), so
// no decision about a held-out pair is seen in training.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "matching/learning/reciprocal_model.hpp"

namespace pm::matching::learning {

enum class Split {
  random,  // a seeded random share of the pairs
  time,    // the pairs first decided last
};

struct EvaluationOptions {
  double holdout = 0.2;
  Split split = Split::random;
  std::uint64_t seed = 1;
  TrainingParams params;  // the blended model's; the baselines switch parts off
  std::size_t precision_k = 5;
};

struct RankingReport {
  std::string name;
  double auc_like = 0.5;    // p(a likes b) on held-out decisions (a directed pair: liked or not)
  double auc_mutual = 0.5;  // mutual on held-out pairs both decided (both liked or not)
  double precision = 0;     // mean over choosers with >= 2k held-out decisions of precision at k
  double train_seconds = 0;
};

struct EvaluationReport {
  std::size_t train_outcomes = 0, test_decisions = 0, test_pairs_both_decided = 0, choosers_for_precision = 0;
  double test_like_rate = 0, test_mutual_rate = 0;
  std::vector<RankingReport> rankings;       // in the order above
  std::optional<ColdStartModel> cold_start;  // the blended model's calibrated cold-start score

  const RankingReport& ranking(std::string_view name) const;
  Json to_json() const;
};

EvaluationReport evaluate(std::span<const Outcome> outcomes, const PairFeaturesFn& features,
                          const EvaluationOptions& options);

}  // namespace pm::matching::learning
