#include "demo/loadtest.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "auth/bulk.hpp"
#include "auth/model.hpp"
#include "core/crypto.hpp"
#include "db/transaction.hpp"
#include "matching/bulk.hpp"
#include "profiles/bulk.hpp"
#include "profiles/model.hpp"

namespace pm::demo {

Json LoadtestPair::to_json() const {
  return {{"pair", number},
          {"match_id", match_id},
          {"conversation_id", conversation_id},
          {"a", {{"user_id", a.user_id}, {"token", a.token}}},
          {"b", {{"user_id", b.user_id}, {"token", b.token}}}};
}

namespace {

// What every batch shares.
struct Shared {
  const LoadtestDeps& deps;
  std::string run;  // random, in every email of this run
  std::string password_hash;
  profiles::ProfilePatch profile;  // bio and location: with the user row, a complete profile
};

// The user row as sign-up writes it, then the profile update that completes it (and sets
// profile_completed the way any profile change does).
std::string insert_user(pqxx::work& tx, const Shared& s, int pair, char side) {
  const std::string user_id = crypto::uuid_v4();
  const auto email =
      auth::normalize_email(fmt::format("loadtest-{}-{}{}@loadtest.perfectmatch.test", s.run, pair, side));
  const bool woman = side == 'a';
  auth::bulk::insert_account(tx,
                             {.user_id = UserId(user_id),
                              .email_encrypted = s.deps.cipher.encrypt(email, auth::email_context(UserId(user_id))),
                              .email_index = s.deps.email_index(email),
                              .password_hash = s.password_hash,
                              .auth_provider = "password",
                              .first_name = woman ? "Ada" : "Alan",
                              .birth_date = "1990-06-15",
                              .gender = woman ? "woman" : "man",
                              .seeking_gender = woman ? "man" : "woman",
                              .email_verified = true},
                             s.deps.account_created);
  profiles::bulk::update_profile(tx, UserId(user_id), s.profile);
  return user_id;
}

// Pairs first..last: users, matches and conversations in one transaction, then the sessions
// (Redis, after the commit, so no token names a user that was rolled back).
Result<std::vector<LoadtestPair>> run_batch(const Shared& s, int first, int last) {
  auto made = PM_TRY(db::transact(s.deps.db, [&](pqxx::work& tx) -> Result<std::vector<LoadtestPair>> {
    std::vector<LoadtestPair> pairs;
    for (int n = first; n <= last; ++n) {
      LoadtestPair p{.number = n};
      p.a.user_id = insert_user(tx, s, n, 'a');
      p.b.user_id = insert_user(tx, s, n, 'b');
      p.match_id = matching::bulk::insert_active_match(tx, p.a.user_id, p.b.user_id, 80.0);
      // The matching module's own insert, exactly as a mutual like opens the conversation.
      p.conversation_id = matching::bulk::open_conversation(tx, p.match_id);
      pairs.push_back(std::move(p));
    }
    return pairs;
  }));
  for (auto& p : made) {
    for (auto* user : {&p.a, &p.b})
      user->token =
          PM_TRY(s.deps.sessions.create(UserId(user->user_id), {.user_agent = "pm-loadtest", .ip = "127.0.0.1"}));
  }
  return made;
}

}  // namespace

Result<int> create_loadtest_pairs(const LoadtestDeps& deps, const LoadtestOptions& options,
                                  const std::function<void(const LoadtestPair&)>& emit, ProgressBar* progress) {
  auto profile = PM_TRY(profiles::ProfilePatch::parse(
      {{"bio", "Load-test user (perfectmatch loadtest-pairs)."},
       {"location", {{"label", "London"}, {"latitude", 51.5074}, {"longitude", -0.1278}}}}));
  // Argon2id is slow on purpose: one hash serves every user of the run.
  const Shared shared{.deps = deps,
                      .run = crypto::random_hex(4),
                      .password_hash = deps.hasher.hash(kLoadtestPassword),
                      .profile = std::move(profile)};

  const int batch_size = std::max(1, options.batch_size);
  const int batches = options.pairs <= 0 ? 0 : (options.pairs - 1) / batch_size + 1;
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  int created = 0;
  std::optional<Problem> problem;
  // Batches are independent, so several run at once on their own connections (as in Seeder::run).
  auto worker = [&] {
    while (!failed) {
      const int b = next++;
      if (b >= batches) return;
      const int first = 1 + b * batch_size, last = std::min(options.pairs, first + batch_size - 1);
      auto done = [&]() -> Result<std::vector<LoadtestPair>> {
        try {
          return run_batch(shared, first, last);
        } catch (const std::exception& e) {
          return std::unexpected(Problem("loadtest-failed", e.what()));
        }
      }();
      std::lock_guard lock(mutex);
      if (!done) {
        if (!problem) problem = done.error();
        failed = true;
        return;
      }
      for (const auto& p : *done) emit(p);
      created += static_cast<int>(done->size());
      if (progress) progress->advance(static_cast<long long>(done->size()));
    }
  };
  const int wanted =
      options.workers > 0 ? options.workers : std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 2, 4);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < std::clamp(wanted, 1, std::max(1, batches)); ++i) threads.emplace_back(worker);
  }
  if (problem) return std::unexpected(*problem);
  return created;
}

}  // namespace pm::demo
