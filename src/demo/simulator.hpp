#pragma once
// Behaviour for the demo people, to develop and evaluate the reciprocal model against
// (docs/demo-data.md, "Behaviour"). Each person gets, on top of their answers, a latent appeal
// (how others tend to respond to them), a latent type and a taste over types (who they go for),
// and a selectivity (how readily they like). Pairs that pass the hard filters are shown to both;
// each decides like or pass, a noisy function of those latents and the pair's questionnaire
// compatibility; a mutual like may lead to a first message and a reply (the strongest positive).
// Pure: nothing is written anywhere, the same seed gives the same outcomes.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "demo/person.hpp"
#include "matching/candidate_index.hpp"
#include "matching/learning/outcome.hpp"
#include "matching/learning/reciprocal_model.hpp"

namespace pm::demo {

inline constexpr int kTypeDimensions = 2;

struct Behaviour {
  double appeal = 0;                                    // ~N(0, 1)
  double selectivity = 0;                               // ~N(0, 0.8): higher likes less
  std::array<double, kTypeDimensions> type{}, taste{};  // each ~N(0, 1)
};

struct SimulatedPerson {
  Person person;
  matching::IndexedUser indexed;  // user_id "sim{number}", facts, answers packed, trait vector
  Behaviour behaviour;
  std::int64_t joined = 0;  // unix seconds
};

struct SimulationOptions {
  std::uint64_t seed = 42;
  int users = 1000;
  int pairs_per_user = 25;          // pairs each person is shown (initiated; they also see others')
  std::int64_t start = 1767225600;  // 2026-01-01, unix seconds
  int days = 60;                    // the period the outcomes span
  double decide_share = 0.9;        // chance one side of a shown pair decides at all
  double message_share = 0.6;       // chance a mutual match gets a first message
  int reply_days = 3;               // a reply within this many days counts
};

// Weights of the decision (logit of p(a likes b)); why these values: docs/demo-data.md.
struct DecisionWeights {
  double base = -0.9, appeal = 1.0, taste = 1.5, questionnaire = 0.45;  // questionnaire: per sd of the score
  // How much the other's age in the chooser's stated range counts (learning::age_fit, per sd over
  // the shown pairs). 0 in the demo: tests set it to check that the cold-start score finds it.
  double age_fit = 0;
};

// Demo people 1..users (make_person with the seed), with answers packed by `bank`.
std::vector<SimulatedPerson> simulate_people(const matching::ScoringBank& bank, const SimulationOptions& options,
                                             std::chrono::year_month_day today);

// The like/pass decisions and replies of `people`, in time order.
std::vector<matching::learning::Outcome> simulate_outcomes(const matching::ScoringBank& bank,
                                                           const std::vector<SimulatedPerson>& people,
                                                           const SimulationOptions& options,
                                                           const DecisionWeights& weights = {});

// The model's pair features (learning::pair_features_from) over these people, by user id;
// `bank` and `people` must outlive it.
matching::learning::PairFeaturesFn pair_features_of(const matching::ScoringBank& bank,
                                                    const std::vector<SimulatedPerson>& people);

// One person as a line of `perfectmatch score --users` (docs/offline-scoring.md), answers included.
Json offline_user_line(const matching::ScoringBank& bank, const SimulatedPerson& who, std::uint64_t seed);

}  // namespace pm::demo
