#pragma once
// Offline scoring for evaluation (`perfectmatch score`): users described in JSON lines are
// turned into exactly what the server indexes (same answer validation, packing, vectors and text
// embedding), then scored with the server's code. Format: docs/offline-scoring.md.

#include <string>
#include <vector>

#include "core/json.hpp"
#include "matching/candidate_index.hpp"
#include "matching/embedding.hpp"
#include "matching/insights.hpp"
#include "matching/learning/outcome.hpp"
#include "matching/learning/reciprocal_model.hpp"

namespace pm::matching {

struct OfflineUser {
  IndexedUser indexed;
  PairPerson person;  // profile points into `indexed` once the user sits at its final address
};

// One line's user; 400 "validation-failed" naming what is wrong.
Result<OfflineUser> parse_offline_user(const ScoringBank& bank, const Json& line, EmbeddingProvider& embedder);

// The JSON line for one pair: ids, whether the hard filters pass (and why not), the score, its
// parts and the six attributes with their descriptions.
Json score_offline_pair(const ScoringBank& bank, const OfflineUser& a, const OfflineUser& b);

// One line of --outcomes: {"a", "b", "liked", "time"} (unix seconds), optional "weight" (> 0,
// default 1; a reply is a like of weight learning::kReplyWeight). 400 naming what is wrong.
Result<learning::Outcome> parse_outcome_line(const Json& line);
// One line of --pairs: {"a", "b"}.
Result<std::pair<std::string, std::string>> parse_pair_line(const Json& line);

// The model's numbers beside the pair's other fields: p_a_likes_b, p_b_likes_a, mutual, and the
// calibrated cold-start score alone in each direction (calibrated_a_likes_b, calibrated_b_likes_a;
// null when the model has none or the pair's questionnaire part is unknown). `features` is the
// one the model was trained with (learning::pair_features_from).
void add_prediction(Json& out, const learning::ReciprocalModel& model, const std::string& a, const std::string& b,
                    const learning::PairFeaturesFn& features);

}  // namespace pm::matching
