// perfectmatch matches generate --all: vectors for every user who completed the questionnaire,
// then matches for every user with vectors, with a progress bar. Resumable: the last user done is
// recorded with each batch's matches under the run id, and a new run with that id continues after
// it. Idempotent: existing pairs are never generated twice, and each user keeps at most
// PM_MATCHES_PER_USER pending.
// Ranked by the newest stored reciprocal model when there is one (else by the questionnaire).

#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "app/app.hpp"
#include "app/commands.hpp"
#include "core/in_parallel.hpp"
#include "core/progress.hpp"
#include "core/try.hpp"
#include "matching/batch_generation.hpp"
#include "matching/generation_run.hpp"

namespace pm::app {

namespace {

constexpr std::size_t kBatch = 500;  // users whose vectors are computed and written at once

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().detail);
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

}  // namespace

int generate_all_matches(Config config, const std::string& run_id, int jobs, int users_per_transaction, int writers) {
  try {
    // A connection for each scorer, each writer and the reader at once, and one for the index.
    config.db_pool_size = std::max(config.db_pool_size, jobs + writers + 2);
    App app(std::move(config));
    matching::GenerationRun run(app.db, run_id);
    const std::string bank = app.config.question_bank;

    // 1. Vectors of everyone whose questionnaire is newer than their vectors, read once: batches of
    // kBatch users (one read, one write transaction each), `jobs` threads taking the next batch.
    {
      const auto users = must(run.users_needing_vectors(bank), "reading users");
      std::optional<ProgressBar> bar;
      if (!users.empty()) bar.emplace("computing vectors", static_cast<long long>(users.size()));
      const auto failure = in_parallel((users.size() + kBatch - 1) / kBatch, jobs, [&](std::size_t b) -> Result<void> {
        const auto first = users.begin() + static_cast<long>(b * kBatch);
        const auto last = users.begin() + static_cast<long>(std::min(users.size(), (b + 1) * kBatch));
        PM_TRY(app.match_engine.compute_vectors(std::vector<std::string>(first, last)));
        bar->advance(last - first);
        return {};
      });
      if (failure) throw std::runtime_error("computing vectors: " + failure->detail);
    }

    // 2. Matches, in batches of users each written in one transaction with the run's position
    // (matching/batch_generation.hpp), resuming after the last batch a previous run committed,
    // ranked by the newest stored model as a serving node ranks (docs/matching.md "The learned
    // ranking").
    must(app.match_engine.refresh(true), "loading the candidate index");
    must(app.models.poll(), "loading the stored model");
    const std::string after = must(run.position(), "reading the run");
    const int total = must(run.count_users_with_vectors(), "counting");
    if (!after.empty()) std::cerr << "resuming run \"" << run_id << "\" after user " << after << "\n";
    ProgressBar bar("generating matches", total);
    matching::BatchGeneration batches(app.db, app.match_engine, run_id,
                                      {.users_per_transaction = users_per_transaction,
                                       .scorers = jobs,
                                       .writers = writers,
                                       .progress = [&](int users) { bar.advance(users); }});
    const auto totals = must(batches.run(after), "generating");
    const int done = totals.done, created = totals.created, skipped = totals.skipped;
    bar.finish();
    // Where the time went, for whoever wonders why a run was slow (seconds summed over threads).
    const auto& t = totals.seconds;
    std::cerr << fmt::format(
        "matches generate, time by stage (s): reading {:.1f}, searching {:.1f}, composing {:.1f}, waiting for a "
        "writer {:.1f}; writers: waiting for a batch {:.1f}, writing {:.1f}, waiting for their turn {:.1f}, "
        "committing {:.1f}\n",
        t.reading, t.searching, t.composing, t.queue_full, t.idle, t.writing, t.turn, t.committing);
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
