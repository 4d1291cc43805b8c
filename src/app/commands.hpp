#pragma once
// The subcommands of the perfectmatch binary; main.cpp parses the command line and calls these.

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "demo/simulator.hpp"
#include "matching/learning/reciprocal_model.hpp"

namespace pm::app {

int serve(Config config);

enum class MigrateAction { up, down, status };
int migrate(const Config& config, MigrateAction action, bool all);

// Checks and imports a question bank file (all problems reported, nothing imported if any).
int import_questions(Config config, const std::string& file);

// The matching worker: vectors, regeneration, expiry; `once`: stop when there is no more work.
int run_worker(Config config, bool once);
// Vectors and matches for every user, resumable under `run_id`, searched on `jobs` threads and
// written `users_per_transaction` users at a time by `writers` connections (committed in order).
int generate_all_matches(Config config, const std::string& run_id, int jobs, int users_per_transaction, int writers);
// Trains the reciprocal model on the recorded outcomes and stores a new version (unless fewer than
// PM_LEARN_MIN_OUTCOMES); prints the report as JSON.
int learn(Config config);
// Offline scoring of a JSON-lines users file against a bank file (docs/offline-scoring.md).
struct ScoreOptions {
  std::string bank_file, users_file;
  int top = 0;                      // > 0: each user's best N; else every pair (or --pairs)
  std::string pairs_file;           // JSON lines {"a", "b"}: score exactly these pairs
  std::string outcomes_file;        // JSON lines of outcomes: train the reciprocal model on them
  std::string model_in, model_out;  // load a trained model instead; save the model used
};
int score_users(const Config& config, const ScoreOptions& options);

// The behaviour simulator's outcomes as JSON lines (and the people as `score --users` lines).
// What both commands simulate: the people drawn from the bank file, and how many pairs each is shown.
struct Simulation {
  std::string bank_file;
  demo::SimulationOptions options;  // the seed, the number of people, the pairs per person
};
struct SimulateOptions {
  Simulation simulation;
  std::string out_file, users_out_file;
};
int simulate(const SimulateOptions& options);
// The reciprocal model's evaluation on simulated outcomes (docs/matching-quality.md).
struct EvaluateOptions {
  Simulation simulation{.options = {.users = 4000}};
  std::string out_file;
  double holdout = 0.2;
  double age_weight = 0;  // demo::DecisionWeights::age_fit: 0 in the demo, set to see the cold start find it
  matching::learning::TrainingParams params;
};
int evaluate(const EvaluateOptions& options);

// `mail bounce`: records the delivery status notification read from `in` (docs/notifications.md
// "Bounces that come later"); `recipient` is the MTA's envelope recipient (empty: the headers').
// Returns the exit status the MTA's pipe transport understands (sysexits.h).
int record_bounce_report(Config config, std::istream& in, const std::string& recipient);

// Re-encrypts stored PII under PM_PII_ACTIVE_KEY (after adding a key to PM_PII_KEYS).
int rotate_keys(Config config);
// `keys vapid [--out FILE]`: a new VAPID key pair; the private PEM into FILE (or printed), then
// "public key: <base64url>" (docs/notifications.md "Push").
int make_vapid_key(const std::string& out_file);

// `admin grant EMAIL ROLE`: makes the account moderator or admin ("none": no longer staff). The only
// way a staff role is given: no HTTP route can (docs/admin.md).
int grant_role(Config config, const std::string& email, const std::string& role);
// `admin grant-plan EMAIL PLAN --days N`: the plan without payment (payment_method "comp").
int grant_plan(Config config, const std::string& email, const std::string& plan_id, int days);
// `admin delete-accounts FILE`: each listed account that exists is deleted as its owner's deletion
// does it (rows, photos, sessions, a paid subscription at the provider, the audit entry).
int delete_accounts(Config config, const std::string& file);
// `admin flags [--mirror]`: every feature flag as PostgreSQL holds it, one JSON object a line;
// --mirror first rewrites the Redis mirror from PostgreSQL (docs/feature-flags.md).
int list_flags(Config config, bool mirror);

// Creates demo users 1..users (docs/demo-data.md); those already there are skipped. Then their
// simulated history: `history` pairs shown per person, with likes, passes and replies (0: none).
int seed_demo(Config config, int users, std::uint64_t seed, bool photos, int history);
// Made-up users go only where PM_DEMO_DATA says they may: false (and a message) otherwise.
bool demo_data_allowed(const Config& config, std::string_view command);

// Load tests only: `pairs` matched pairs with open conversations and session tokens, one JSON line
// per pair in `out_file` (src/demo/loadtest.hpp).
int loadtest_pairs(Config config, int pairs, const std::string& out_file);

}  // namespace pm::app
