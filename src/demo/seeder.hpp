#pragma once
// `perfectmatch seed --users N`: realistic demo users for demos and benchmarks (docs/demo-data.md).
// Users demo1..demoN@demo.perfectmatch.test, all with the password kDemoPassword, a verified
// email, a complete profile, preferences, a completed questionnaire of the configured bank and,
// for about two in three, placeholder photos. Everything is drawn from --seed, so two runs with
// the same seed make the same people with the same answers. Users that already exist (by email)
// are left alone, so it can run at every start.

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/account_created.hpp"
#include "auth/passwords.hpp"
#include "core/field_cipher.hpp"
#include "core/progress.hpp"
#include "db/pool.hpp"
#include "profiles/photos.hpp"
#include "questionnaire/bank.hpp"

namespace pm::demo {

inline constexpr std::string_view kDemoPassword = "perfect-match-demo";

struct SeedDeps {
  db::Pool& db;
  const crypto::FieldCipher& cipher;
  const crypto::BlindIndex& email_index;
  const auth::PasswordHasher& hasher;
  profiles::Photos& photos;
  std::string bank_key;                         // the question bank to answer (config.question_bank)
  const auth::AccountCreated& account_created;  // App::account_created: each account's other rows
};

struct SeedOptions {
  int users = 0;
  std::uint64_t seed = 42;
  bool photos = true;
  int batch_size = 200;             // users per transaction
  int workers = 0;                  // batches written at once, each on its own connection; 0: four per core (4-8)
  int history_pairs_per_user = 10;  // pairs each person was shown in the simulated history (0: none)
};

// The simulated history `history` wrote.
struct HistoryReport {
  int matches = 0;   // pairs shown (new ones: a pair with a match already is left alone)
  int outcomes = 0;  // rows of match_outcomes
};

struct SeedReport {
  int created = 0;
  int existing = 0;  // already there from an earlier run, left as they were
  int premium = 0;   // of those created
  int clones = 0;    // of those created: answers identical to an earlier user's
  int photos = 0;    // uploaded
};

class Seeder {
 public:
  // Loads the bank (503 "question-bank-missing" if it was never imported) and hashes the password.
  static Result<Seeder> open(const SeedDeps& deps);

  // Creates the users 1..options.users that do not exist yet, advancing `progress` per batch.
  // The first database or storage problem ends the run (batches committed before it stay).
  Result<SeedReport> run(const SeedOptions& options, ProgressBar* progress = nullptr) const;

  // The simulated like/pass/reply history of users 1..options.users (demo/simulator.hpp) over the
  // last 60 days, written as matches (active when both liked, rejected after a pass, else expired)
  // and their outcomes, so that a demo stack has a model to train (`perfectmatch learn`).
  Result<HistoryReport> history(const SeedOptions& options) const;

  const questionnaire::Bank& bank() const { return bank_; }

 private:
  Seeder(const SeedDeps& deps, questionnaire::Bank bank, std::string password_hash);

  SeedDeps deps_;
  questionnaire::Bank bank_;
  std::string password_hash_;
};

// Seeder::open, then run.
Result<SeedReport> seed_users(const SeedDeps& deps, const SeedOptions& options, ProgressBar* progress = nullptr);

}  // namespace pm::demo
