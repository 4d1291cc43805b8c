#include "matching/batch_generation.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/actor.hpp"
#include "core/in_parallel.hpp"
#include "core/mutex.hpp"
#include "db/transaction.hpp"
#include "matching/repository.hpp"

namespace pm::matching {

namespace {

// A batch scored and composed, waiting for the writer.
struct ScoredBatch {
  long seq = 0;
  std::vector<std::string> users;
  std::vector<repository::NewMatch> rows;
  int skipped = 0;
};

// The bounded queue between the scorer and the writer. close() ends it: push refuses from then
// on, pop hands out what is left and then nothing.
class BatchQueue {
 public:
  explicit BatchQueue(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {}
  bool push(ScoredBatch batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < capacity_ || closed_; });
    if (closed_) return false;
    queue_.push_back(std::move(batch));
    changed_.notify_all();
    return true;
  }
  std::optional<ScoredBatch> pop() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return std::nullopt;
    auto batch = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return batch;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<ScoredBatch> queue_;
  std::size_t capacity_;
  bool closed_ = false;
};

// Pairs found but not yet committed, by user, so the scorer of a later batch counts them as
// written. The scorer forgets only the pairs of batches committed before the reader began reading
// the standings of the batch it scores next (committed_upto(), taken before the read): those are in
// the standings read. A pair committed after that is both in flight and (maybe) in the standings
// read, and with_in_flight counts it once.
class PairsInFlight {
 public:
  // The last batch committed (-1: none yet).
  long committed_upto() const { return committed_.load(); }
  // Drops the pairs of the batches up to `upto`, which were committed before the standings the
  // scorer now uses were read.
  void forget_committed(long upto) {
    MutexLock lock(mutex_);
    for (auto it = by_batch_.begin(); it != by_batch_.end() && it->first <= upto; it = by_batch_.erase(it))
      for (const auto& [a, b] : it->second) {
        erase_partner(a, b);
        erase_partner(b, a);
      }
  }
  // The user's standing as read, with the pairs in flight added.
  Standing with_in_flight(const std::string& user_id, Standing standing) {
    MutexLock lock(mutex_);
    auto it = partners_.find(user_id);
    if (it == partners_.end()) return standing;
    for (const auto& other : it->second)
      if (standing.excluded.insert(other).second) ++standing.pending;
    return standing;
  }
  // Keeps the candidates whose pair nobody else has found meanwhile, and records them as in
  // flight under batch `seq`.
  void claim(long seq, const std::string& user_id, std::vector<Candidate>& candidates) {
    MutexLock lock(mutex_);
    auto& mine = partners_[user_id];
    std::erase_if(candidates, [&](const Candidate& c) { return mine.count(c.user_id) > 0; });
    for (const auto& c : candidates) {
      mine.insert(c.user_id);
      partners_[c.user_id].insert(user_id);
      by_batch_[seq].emplace_back(user_id, c.user_id);
    }
  }
  void committed(long seq) { committed_ = seq; }

 private:
  void erase_partner(const std::string& a, const std::string& b) PM_REQUIRES(mutex_) {
    auto it = partners_.find(a);
    if (it == partners_.end()) return;
    it->second.erase(b);
    if (it->second.empty()) partners_.erase(it);
  }

  Mutex mutex_;
  std::unordered_map<std::string, std::unordered_set<std::string>> partners_ PM_GUARDED_BY(mutex_);
  std::map<long, std::vector<std::pair<std::string, std::string>>> by_batch_ PM_GUARDED_BY(mutex_);
  std::atomic<long> committed_{-1};
};

using Steady = std::chrono::steady_clock;

// The run's time by stage (BatchGeneration::StageSeconds), in nanoseconds, added to by any thread.
struct StageClocks {
  std::atomic<std::int64_t> reading{0}, searching{0}, composing{0}, queue_full{0}, idle{0}, writing{0}, turn{0},
      committing{0};

  static void add_since(std::atomic<std::int64_t>& clock, Steady::time_point start) {
    clock += std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now() - start).count();
  }
  BatchGeneration::StageSeconds seconds() const {
    auto s = [](const std::atomic<std::int64_t>& ns) { return static_cast<double>(ns.load()) / 1e9; };
    return {.reading = s(reading),
            .searching = s(searching),
            .composing = s(composing),
            .queue_full = s(queue_full),
            .idle = s(idle),
            .writing = s(writing),
            .turn = s(turn),
            .committing = s(committing)};
  }
};

// A batch's users and their standings as read, and the last batch committed before the read began.
struct ReadBatch {
  std::vector<std::string> users;
  std::map<std::string, Standing> standings;
  long committed_before = -1;
};

// The order batches commit in, with several writers: batch `seq` commits only after every
// earlier one has, so the run's position never passes a batch that is not in. A writer composes
// its batch's rows in PostgreSQL (COPY and the move, the bulk of the work) while the one before
// commits, then waits here for its turn to save the position and commit. A failed batch stops
// every later one (they roll back); the earlier ones still commit, and the earliest failure is the
// run's.
class CommitTurns {
 public:
  // Whether a batch before `seq` has failed (`seq` will not commit: no need to write it).
  bool failed_before(long seq) {
    std::lock_guard lock(mutex_);
    return failed_ < seq;
  }
  // Waits until every batch before `seq` has committed; false if one of them failed.
  bool wait_for(long seq) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return next_ == seq || failed_ < seq; });
    return failed_ >= seq;
  }
  void committed(long seq) {
    std::lock_guard lock(mutex_);
    next_ = seq + 1;
    changed_.notify_all();
  }
  void failed(long seq, Problem problem) {
    std::lock_guard lock(mutex_);
    if (seq < failed_) {
      failed_ = seq;
      failure_ = std::move(problem);
    }
    changed_.notify_all();
  }
  // The earliest failed batch's problem (read once every writer has stopped).
  std::optional<Problem> failure() {
    std::lock_guard lock(mutex_);
    return failure_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  long next_ = 0;
  long failed_ = std::numeric_limits<long>::max();
  std::optional<Problem> failure_;  // failed_'s
};

}  // namespace

Result<BatchGeneration::Totals> BatchGeneration::run(const std::string& after) {
  std::string position = after;
  return pipeline(after, [&]() -> Result<std::vector<std::string>> {
    auto users = PM_TRY(db::transact(db_, [&](pqxx::work& tx) -> Result<std::vector<std::string>> {
      return repository::users_with_vectors(tx, position, options_.users_per_transaction);
    }));
    if (!users.empty()) position = users.back();
    return users;
  });
}

Result<BatchGeneration::Totals> BatchGeneration::pipeline(
    const std::string& after, const std::function<Result<std::vector<std::string>>()>& next_batch) {
  actor::Scope system(actor::Scope::system());  // reads and writes every user's matches (docs/security.md)
  BatchQueue queue(static_cast<std::size_t>(options_.queue_depth));
  PairsInFlight in_flight;
  PeopleMemo people;  // first names, read once a run
  Totals totals;
  CommitTurns turns;
  StageClocks clocks;

  // A writer: one transaction per batch, the position with it, committed in the batches' order;
  // then the caches it changed. Every field below is written by the batch whose turn it is.
  std::string last_written = after;
  auto write = [&] {
    actor::Scope writer_scope(actor::Scope::system());
    for (;;) {
      const auto waited = Steady::now();
      auto batch = queue.pop();
      StageClocks::add_since(clocks.idle, waited);
      if (!batch) return;
      if (turns.failed_before(batch->seq)) return;
      Steady::time_point turn_came;
      Result<std::vector<repository::InsertedMatch>> inserted =
          [&]() -> Result<std::vector<repository::InsertedMatch>> {
        try {
          return db::transact(db_, [&](pqxx::work& tx) -> Result<std::vector<repository::InsertedMatch>> {
            db::allow_long_statements(tx);
            // A writer that waits for its turn to commit while holding its rows must never wait
            // forever on a lock: a wait PostgreSQL cannot see as a deadlock (through another
            // writer's turn) becomes an error, the batch rolls back, and the run resumes from the
            // last committed one.
            db::bound_lock_waits(tx, std::chrono::minutes(1));
            const auto started = Steady::now();
            auto rows = repository::copy_matches(tx, batch->rows);
            StageClocks::add_since(clocks.writing, started);
            const auto waiting = Steady::now();
            const bool our_turn = turns.wait_for(batch->seq);
            StageClocks::add_since(clocks.turn, waiting);
            if (!our_turn) return std::unexpected(Problem("internal", "an earlier batch failed"));
            turn_came = Steady::now();
            const int done = totals.done + static_cast<int>(batch->users.size());
            repository::save_run_position(tx, run_id_, batch->users.back(), done, false);
            return rows;
          });
        } catch (const std::exception& e) {
          return std::unexpected(Problem("internal", e.what()));
        }
      }();
      if (!inserted) {
        turns.failed(batch->seq, inserted.error());
        queue.close();
        return;
      }
      StageClocks::add_since(clocks.committing, turn_came);
      in_flight.committed(batch->seq);
      totals.done += static_cast<int>(batch->users.size());
      totals.created += static_cast<int>(inserted->size());
      totals.skipped += batch->skipped;
      last_written = batch->users.back();
      engine_.matches_written(batch->users, *inserted);
      turns.committed(batch->seq);
    }
  };
  std::vector<std::thread> writers;
  for (int i = 0; i < std::max(1, options_.writers); ++i) writers.emplace_back(write);

  // The reader: the next batch's users and their standings, read on its own thread while the
  // scorer works on the batch before (a read waits on PostgreSQL, not on this process). Each read
  // starts after the one before has ended (next_batch goes on from where it stopped).
  auto read = [&]() -> Result<ReadBatch> {
    actor::Scope reader_scope(actor::Scope::system());
    ReadBatch out{.committed_before = in_flight.committed_upto()};
    out.users = PM_TRY(next_batch());
    if (out.users.empty()) return out;
    out.standings = PM_TRY(db::transact(db_, [&](pqxx::work& tx) -> Result<std::map<std::string, Standing>> {
      return repository::standings(tx, out.users);
    }));
    return out;
  };
  auto read_next = [&] { return std::async(std::launch::async, read); };

  // The scorer: this thread (and options_.scorers - 1 helpers per step).
  std::optional<Problem> score_failure;
  std::future<Result<ReadBatch>> next_read;
  auto score = [&] {
    next_read = read_next();
    for (long seq = 0;; ++seq) {
      const auto waited = Steady::now();
      auto read_batch = next_read.get();
      StageClocks::add_since(clocks.reading, waited);
      if (!read_batch) {
        score_failure = read_batch.error();
        break;
      }
      if (read_batch->users.empty()) break;
      next_read = read_next();
      in_flight.forget_committed(read_batch->committed_before);
      const auto& users = read_batch->users;
      const auto& standings = read_batch->standings;
      std::vector<std::optional<Searched>> found(users.size());
      std::atomic<int> skipped{0};
      const auto searching = Steady::now();
      score_failure = in_parallel(users.size(), options_.scorers, [&](std::size_t i) -> Result<void> {
        actor::Scope system(actor::Scope::system());  // reads every candidate's data (docs/security.md)
        const auto& user_id = users[i];
        auto searched = engine_.search(user_id, in_flight.with_in_flight(user_id, standings.at(user_id)));
        if (!searched) {
          if (searched.error().status >= 500) return std::unexpected(searched.error());
          ++skipped;  // hidden or incomplete profiles are not matched
          return {};
        }
        in_flight.claim(seq, user_id, searched->candidates);
        found[i] = std::move(*searched);
        return {};
      });
      StageClocks::add_since(clocks.searching, searching);
      if (score_failure) break;
      // The rows, in one chunk per scorer (each chunk reads the people it has not met yet).
      const auto composing = Steady::now();
      const std::size_t chunks = static_cast<std::size_t>(std::max(1, options_.scorers));
      std::vector<std::vector<Planned>> composed(chunks);
      score_failure = in_parallel(chunks, options_.scorers, [&](std::size_t c) -> Result<void> {
        actor::Scope system(actor::Scope::system());
        std::vector<Searched> chunk;
        for (std::size_t i = c; i < found.size(); i += chunks)
          if (found[i] && !found[i]->candidates.empty()) chunk.push_back(std::move(*found[i]));
        composed[c] = PM_TRY(engine_.compose(std::move(chunk), &people));
        return {};
      });
      StageClocks::add_since(clocks.composing, composing);
      if (score_failure) break;
      ScoredBatch batch{.seq = seq, .users = std::move(read_batch->users), .skipped = skipped.load()};
      for (auto& chunk : composed)
        for (auto& planned : chunk)
          for (auto& row : planned.rows) batch.rows.push_back(std::move(row));
      const int count = static_cast<int>(batch.users.size());
      const auto pushing = Steady::now();
      const bool taken = queue.push(std::move(batch));
      StageClocks::add_since(clocks.queue_full, pushing);
      if (!taken) break;  // the writer failed
      if (options_.progress) options_.progress(count);
    }
  };
  try {
    score();
  } catch (const std::exception& e) {  // a database error, no thread for the reader (the writers must still be joined)
    score_failure = Problem("internal", e.what());
  }
  if (next_read.valid()) next_read.wait();  // a read still under way ends before what it uses goes
  queue.close();                            // the writers write what is queued, then stop
  for (auto& w : writers) w.join();
  if (auto write_failure = turns.failure()) return std::unexpected(*write_failure);
  if (score_failure) return std::unexpected(*score_failure);
  PM_TRY(db::transact(db_, [&](pqxx::work& tx) -> Result<void> {
    repository::save_run_position(tx, run_id_, last_written, totals.done, true);
    return {};
  }));
  totals.seconds = clocks.seconds();
  return totals;
}

}  // namespace pm::matching
