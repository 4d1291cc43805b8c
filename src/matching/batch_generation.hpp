#pragma once
// `perfectmatch matches generate --all`'s matches for many users, written as PostgreSQL likes to be
// written to: the users in batches (Options::users_per_transaction), each batch's matches, attributes
// and insights sent with COPY and committed in ONE transaction together with the run's position.
// A crash therefore leaves every user of a batch either as before (old matches, the position
// before the batch) or with all their new matches, never half; a new run with the same id resumes
// after the last committed batch.
//
// Scoring, reading and writing overlap: this thread (with `scorers` helpers) searches and composes
// the rows of batch k+2 while a reader reads batch k+3's users and standings and `writers` threads
// (each with its own connection) write batches k and k+1, through a queue of at most `queue_depth`
// batches (memory stays bounded). Writers
// overlap the bulk of their work in PostgreSQL but commit in the batches' order, so the position
// never passes a batch that is not in. A batch's standing (pending matches, exclusions)
// is read from PostgreSQL once; pairs found but not yet committed are "in flight" and count as if
// written, so a pair is never found twice and a user's pending count is what a one-by-one run
// would have seen (two scorers racing for the same pair keep the first, as --jobs did before).

#include <functional>
#include <string>

#include "core/problem.hpp"
#include "db/pool.hpp"
#include "matching/engine.hpp"

namespace pm::matching {

class BatchGeneration {
 public:
  struct Options {
    int users_per_transaction = 100;
    int queue_depth = 2;                      // batches scored ahead of the writer
    int scorers = 1;                          // threads searching and composing a batch
    int writers = 2;                          // connections writing batches at once (committed in order)
    std::function<void(int users)> progress;  // after each batch is scored (any thread)
  };
  // Where a run's time went, in seconds summed over the threads doing each thing: what to look
  // at first when a run is slow (the stage a pipeline waits on shows as the others' waiting).
  struct StageSeconds {
    double reading = 0;     // the scorer waiting for the next batch's users and standings
    double searching = 0;   // the scorers' candidate searches
    double composing = 0;   // the scorers' match rows (with the people they quote, read once a run)
    double queue_full = 0;  // the scorer waiting for a writer to take a batch
    double idle = 0;        // the writers waiting for a batch
    double writing = 0;     // the writers' COPY and move
    double turn = 0;        // the writers waiting for the batches before theirs to commit
    double committing = 0;  // the writers' position and commit
  };
  struct Totals {
    int done = 0;     // users generated in this run (skipped ones included)
    int created = 0;  // matches inserted
    int skipped = 0;  // users not matchable (hidden, incomplete): a 4xx, not a failure
    StageSeconds seconds;
  };

  BatchGeneration(db::Pool& db, Engine& engine, std::string run_id, Options options)
      : db_(db), engine_(engine), run_id_(std::move(run_id)), options_(std::move(options)) {}

  // Every user with vectors after `after` (by id), in batches; the position is saved with each
  // batch and the run marked finished at the end. The first 5xx ends the run (committed batches stay).
  Result<Totals> run(const std::string& after);

 private:
  // The batches next_batch hands out (empty: no more), the run's position starting at `after`.
  Result<Totals> pipeline(const std::string& after,
                          const std::function<Result<std::vector<std::string>>()>& next_batch);

  db::Pool& db_;
  Engine& engine_;
  std::string run_id_;
  Options options_;
};

}  // namespace pm::matching
