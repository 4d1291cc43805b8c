#pragma once
// `perfectmatch loadtest-pairs --pairs N --out FILE`: fixtures for load tests only (the messaging
// benchmark, bench/messaging.sh). Sign-up hashes every password with Argon2 (~50 ms on purpose),
// far too slow for 20,000 users, so this writes the rows directly through the modules' bulk
// writes (X/bulk.hpp): N pairs of complete users (woman and man, profile complete, email verified), each
// pair with an ACTIVE match (both liked) and its open conversation, plus one session per user made
// by the real session store. Never for production data: the users all share one password.

#include <functional>
#include <string>
#include <string_view>

#include "auth/account_created.hpp"
#include "auth/passwords.hpp"
#include "auth/sessions.hpp"
#include "core/field_cipher.hpp"
#include "core/json.hpp"
#include "core/progress.hpp"
#include "db/pool.hpp"

namespace pm::demo {

inline constexpr std::string_view kLoadtestPassword = "perfect-match-loadtest";

struct LoadtestDeps {
  db::Pool& db;
  const crypto::FieldCipher& cipher;
  const crypto::BlindIndex& email_index;
  const auth::PasswordHasher& hasher;
  auth::SessionStore& sessions;
  const auth::AccountCreated& account_created;  // App::account_created: each account's other rows
};

struct LoadtestUser {
  std::string user_id, token;
};

struct LoadtestPair {
  int number = 0;  // 1..N within this run
  std::string match_id, conversation_id;
  LoadtestUser a, b;
  // One JSON line of the --out file: {"pair", "match_id", "conversation_id", "a": {"user_id", "token"}, "b": {...}}.
  Json to_json() const;
};

struct LoadtestOptions {
  int pairs = 0;
  int batch_size = 250;  // pairs per transaction
  int workers = 0;       // batches written at once, each on its own connection; 0: one per core (2-4)
};

// Creates the pairs and calls `emit` for each (from several threads, never at once). Emails are
// loadtest-<run>-<n>{a,b}@loadtest.perfectmatch.test with a random <run>, so runs never collide.
// The first database or Redis problem ends the run (pairs emitted before it are complete).
Result<int> create_loadtest_pairs(const LoadtestDeps& deps, const LoadtestOptions& options,
                                  const std::function<void(const LoadtestPair&)>& emit,
                                  ProgressBar* progress = nullptr);

}  // namespace pm::demo
