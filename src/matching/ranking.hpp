#pragma once
// The order in which a generation adds candidates to a person's feed (docs/matching.md "The
// learned ranking"). Without a model: the questionnaire compatibility (the candidate index's
// order). With one: the model's mutual interest p(a likes b) × p(b likes a), which already blends
// in the questionnaire compatibility; and 1 slot in `explore_every` goes to the best candidate by
// questionnaire who has little history (fewer than `explore_max_decisions` decisions made about
// them in the model's data), so that new people are shown and can gather the history the model
// needs. The score people see stays the questionnaire compatibility: the model only orders.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "matching/candidate_index.hpp"
#include "matching/learning/reciprocal_model.hpp"

namespace pm::matching {

struct RankingOptions {
  std::size_t want = 0;   // how many to choose
  int explore_every = 0;  // 0: no exploration slots
  int explore_max_decisions = 20;
};

struct Ranked {
  Candidate candidate;
  bool explored = false;  // placed by an exploration slot (by questionnaire), not by the model
  // The model's mutual interest in the pair, what the list orders model-ranked matches by; nullopt
  // without a model. Kept as matches.mutual_interest. An explored candidate gets the value of the
  // pick before it instead of its own (usually low) estimate: listed in the slot exploration gave
  // it, not at the end of the list, where the exposure would be in name only.
  std::optional<double> mutual;
};

// Chooses up to `want` of `candidates` (given best-by-questionnaire first) for `user_id`, in the
// order they are added. `model` may be null (questionnaire order, no exploration). `features`
// gives the pairs' features both ways for the model's questionnaire part (the calibrated cold-start
// score: learning::pair_features_from over the index's users); without it, only each candidate's
// questionnaire score is known.
std::vector<Ranked> rank_candidates(const std::string& user_id, const std::vector<Candidate>& candidates,
                                    const learning::ReciprocalModel* model, const RankingOptions& options,
                                    const learning::PairFeaturesFn& features = {});

}  // namespace pm::matching
