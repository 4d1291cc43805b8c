#pragma once
// The reciprocal model a node ranks with: the newest stored version (matching_models, migrations/
// 0026), loaded at start-up and looked for again every PM_MODEL_POLL_MS by a background thread, so
// a version trained by the worker or `perfectmatch learn` takes effect on every node without a
// restart. A loaded model is immutable and shared: a swap replaces the pointer atomically, and a
// generation in flight keeps the model it started with. A stored row that does not load (corrupt,
// another format) is refused, logged, and the node keeps what it had.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "core/json.hpp"
#include "core/mutex.hpp"
#include "core/problem.hpp"
#include "db/pool.hpp"
#include "matching/learning/reciprocal_model.hpp"

namespace pm::matching {

// What matches.ranking records for a generation ranked by this model.
std::string ranking_name(long long version);

struct LoadedModel {
  long long version = 0;  // matching_models.version
  learning::ReciprocalModel model;
};

class ModelStore {
 public:
  explicit ModelStore(db::Pool& db) : db_(db) {}
  ~ModelStore() { stop(); }
  ModelStore(const ModelStore&) = delete;
  ModelStore& operator=(const ModelStore&) = delete;

  // The model to rank with now (nullptr: none stored, rank by the questionnaire).
  std::shared_ptr<const LoadedModel> current() const { return current_.load(); }
  // The version ranking now (0: none), for pm_matching_model_version.
  long long version() const;

  // Loads the newest stored version that loads, when it is not the one held (a newer one, or an
  // older one after the newest was deleted: a rollback). Versions refused once are not tried
  // again. Returns whether the model changed.
  Result<bool> poll();
  // Stores a trained model as a new version, keeping the newest `keep`, and ranks with it here.
  Result<long long> store(const learning::ReciprocalModel& model, long long outcomes, const Json& metrics, int keep);

  // Deletes the stored versions trained more than `days` ago, the one held included (a node holding
  // it goes back to the questionnaire's ranking at its next poll): the bytes name users, and a
  // training skipped (too few outcomes, PM_LEARN_INTERVAL_HOURS=0) or failing stores no newer
  // version that would rotate them out. Returns how many went.
  Result<int> delete_older_than(int days);

  // The serving node's poller: poll() now, then every `every` until stop().
  void start(std::chrono::milliseconds every);
  void stop();

 private:
  void run(std::chrono::milliseconds every);

  db::Pool& db_;
  std::atomic<std::shared_ptr<const LoadedModel>> current_;
  Mutex poll_mutex_;  // one poll at a time
  std::set<long long> refused_ PM_GUARDED_BY(poll_mutex_);
  std::mutex thread_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pm::matching
