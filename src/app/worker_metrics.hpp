#pragma once
// The worker's Prometheus metrics (docs/operations.md, "What to watch"): what waits in its
// queues, read from PostgreSQL at each scrape (so any worker, or none, reports the truth), and
// what this worker did, counted as it goes. Served on 127.0.0.1:PM_WORKER_METRICS_PORT.

#include <atomic>
#include <map>
#include <string>

#include "app/app.hpp"
#include "core/mutex.hpp"

namespace pm::app {

class WorkerMetrics {
 public:
  // Adds the worker's lines to app.metrics (whose /metrics the listener serves).
  explicit WorkerMetrics(App& app);

  // One pass of the worker's loop finished (its time is the liveness the alert watches).
  void round_done();
  // Rows a retention step deleted (`what`: messages, chat_uploads, or an activity table).
  void deleted(const std::string& what, long long rows);
  // A step of the loop failed (its name as the log says it).
  void failed(const std::string& step);

 private:
  void render(std::string& out);

  App& app_;
  std::atomic<unsigned long long> rounds_{0};
  std::atomic<double> last_round_{0};
  Mutex mutex_;  // the worker's loop counts, the listener's thread renders
  std::map<std::string, unsigned long long> deleted_ PM_GUARDED_BY(mutex_);
  std::map<std::string, unsigned long long> failed_ PM_GUARDED_BY(mutex_);
};

}  // namespace pm::app
