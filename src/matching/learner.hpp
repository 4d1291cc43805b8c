#pragma once
// Training the reciprocal model on the recorded outcomes (match_outcomes, docs/outcomes.md) and
// storing it as a new version (docs/matching.md "The learned ranking"): `perfectmatch learn` now,
// and the worker every PM_LEARN_INTERVAL_HOURS through the job queue (a "train_model" job, so that
// of several workers one trains). With fewer than PM_LEARN_MIN_OUTCOMES outcomes nothing is
// trained: a new deployment ranks by the questionnaire alone.
//
// What the model sees of each outcome: a like (weight 1) or a reply (learning::kReplyWeight) is
// positive; a pass (not rewound) and an unmatch are negative; the mutual-match and first-message
// rows repeat a like already counted and are left out. Only ids, these outcomes and the pair's
// features (its questionnaire compatibility, age closeness within each one's stated range, shared
// questions, distance and how each one's answers suit the other by importance: pair_features.hpp)
// enter: never a person's race, religion or any other profile field but through their own
// stated preferences.

#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/json.hpp"
#include "core/problem.hpp"
#include "db/pool.hpp"
#include "matching/engine.hpp"
#include "matching/learning/cold_start.hpp"
#include "matching/learning/outcome.hpp"
#include "matching/model_store.hpp"
#include "outcomes/model.hpp"

namespace pm::matching {

struct LearnReport {
  long long outcomes = 0;                              // training examples read
  std::optional<long long> version;                    // the stored version; nullopt: skipped (too few outcomes)
  Json metrics = Json::object();                       // held-out evaluation (time split), stored with the model
  std::optional<learning::ColdStartModel> cold_start;  // the stored model's calibrated cold-start score
  double seconds = 0;

  Json to_json() const;
};

// The training example of a stored outcome; nullopt for the kinds the model leaves out.
std::optional<learning::Outcome> training_example(const outcomes::Outcome& o);

class Learner {
 public:
  struct Deps {
    const Config& config;
    db::Pool& db;
    Engine& engine;  // the candidate index: everyone's answers, for the questionnaire feature
    ModelStore& models;
  };
  explicit Learner(Deps deps) : d_(deps) {}

  // Trains on every outcome recorded so far and stores the model (unless too few).
  Result<LearnReport> learn();
  // The worker's schedule: queues the training job when it is due, and runs it if this worker
  // claims it. nullopt when there was nothing to run.
  Result<std::optional<LearnReport>> run_scheduled();

 private:
  Deps d_;
};

}  // namespace pm::matching
