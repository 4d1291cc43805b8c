// perfectmatch matches generate --all: vectors for every user who completed the questionnaire,
// then matches for every user with vectors, with a progress bar. Resumable: the last user done is
// recorded under the run id, and a new run with that id continues after it. Idempotent: existing
// pairs are never generated twice, and each user keeps at most PM_MATCHES_PER_USER pending.
// Ranked by the newest stored reciprocal model when there is one (else by the questionnaire).

#include <atomic>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "app/app.hpp"
#include "app/commands.hpp"
#include "core/progress.hpp"
#include "matching/generation_run.hpp"

namespace pm::app {

namespace {

constexpr int kBatch = 200;

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().detail);
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

}  // namespace

int generate_all_matches(Config config, const std::string& run_id, int jobs) {
  try {
    App app(std::move(config));
    matching::GenerationRun run(app.db, run_id);
    const std::string bank = app.config.question_bank;

    // 1. Vectors of everyone whose questionnaire is newer than their vectors.
    std::vector<std::string> pending;
    for (;;) {
      auto batch = must(run.users_needing_vectors(bank, kBatch), "reading users");
      if (batch.empty()) break;
      ProgressBar bar("computing vectors", static_cast<long long>(batch.size()));
      for (const auto& id : batch) {
        must(app.match_engine.compute_vectors(id), "computing vectors");
        bar.advance();
      }
    }

    // 2. Matches, user by user, resuming after the last one a previous run finished, ranked by the
    // newest stored model as a serving node ranks (docs/matching.md "The learned ranking").
    must(app.match_engine.refresh(true), "loading the candidate index");
    must(app.models.poll(), "loading the stored model");
    std::string after = must(run.position(), "reading the run");
    const int total = must(run.count_users_with_vectors(), "counting");
    if (!after.empty()) std::cerr << "resuming run \"" << run_id << "\" after user " << after << "\n";
    ProgressBar bar("generating matches", total);
    int done = 0, created = 0, skipped = 0;
    for (;;) {
      auto users = must(run.users_with_vectors(after, kBatch), "reading users");
      if (users.empty()) break;
      // Users are independent (a pair both generate is inserted once: ON CONFLICT), so the batch
      // is shared by `jobs` threads; the position is saved only after the whole batch.
      std::atomic<std::size_t> next{0};
      std::atomic<int> batch_created{0}, batch_skipped{0};
      std::optional<std::string> failure;
      std::mutex failure_mutex;
      auto work = [&] {
        for (std::size_t i; (i = next++) < users.size();) {
          auto g = app.match_engine.generate(users[i]);
          if (g)
            batch_created += g->created;
          else if (g.error().status >= 500) {
            std::lock_guard lock(failure_mutex);
            failure = g.error().detail;
            return;
          } else
            ++batch_skipped;  // hidden or incomplete profiles are not matched
          bar.advance();
        }
      };
      std::vector<std::thread> threads;
      for (int t = 1; t < jobs; ++t) threads.emplace_back(work);
      work();
      for (auto& t : threads) t.join();
      if (failure) throw std::runtime_error("generating: " + *failure);
      created += batch_created;
      skipped += batch_skipped;
      done += static_cast<int>(users.size());
      after = users.back();
      must(run.save_position(after, done, false), "saving the run");
    }
    must(run.save_position(after, done, true), "finishing the run");
    bar.finish();
    std::cout << "matches generate: " << done << " users, " << created << " new matches, " << skipped
              << " users not matchable\n";
    app.close();
    return 0;
  } catch (const std::runtime_error& e) {
    std::cerr << "matches generate: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace pm::app
