#include "app/worker_metrics.hpp"

#include <chrono>

#include <fmt/format.h>

#include "core/actor.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"
#include "jobs/queue.hpp"

namespace pm::app {

namespace {

void backlog_lines(std::string& out, std::string_view labels, const Backlog& b, std::string_view count_name,
                   std::string_view age_name) {
  out += fmt::format("{}{} {}\n{}{} {}\n", count_name, labels, b.count, age_name, labels, b.oldest_due_seconds);
}

}  // namespace

WorkerMetrics::WorkerMetrics(App& app) : app_(app) {
  app.metrics.add_source([this](std::string& out) { render(out); });
}

void WorkerMetrics::round_done() {
  ++rounds_;
  last_round_ = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void WorkerMetrics::deleted(const std::string& what, long long rows) {
  MutexLock lock(mutex_);
  deleted_[what] += static_cast<unsigned long long>(rows);
}

void WorkerMetrics::failed(const std::string& step) {
  MutexLock lock(mutex_);
  ++failed_[step];
}

void WorkerMetrics::render(std::string& out) {
  // The queues hold every user's rows: read as the system (docs/security.md).
  actor::Scope system(actor::Scope::system());
  out +=
      "# HELP pm_worker_rounds_total Passes of the worker's loop.\n# TYPE pm_worker_rounds_total counter\n"
      "# HELP pm_worker_last_round_timestamp_seconds When the worker last finished a pass (unix time).\n"
      "# TYPE pm_worker_last_round_timestamp_seconds gauge\n";
  out += fmt::format("pm_worker_rounds_total {}\npm_worker_last_round_timestamp_seconds {:.3f}\n", rounds_.load(),
                     last_round_.load());
  {
    MutexLock lock(mutex_);
    out +=
        "# HELP pm_worker_retention_deleted_total Rows the worker's retention deleted, by what.\n"
        "# TYPE pm_worker_retention_deleted_total counter\n";
    for (const auto& [what, n] : deleted_)
      out += fmt::format("pm_worker_retention_deleted_total{{what=\"{}\"}} {}\n", what, n);
    out +=
        "# HELP pm_worker_step_failures_total Failed steps of the worker's loop, by step.\n"
        "# TYPE pm_worker_step_failures_total counter\n";
    for (const auto& [step, n] : failed_)
      out += fmt::format("pm_worker_step_failures_total{{step=\"{}\"}} {}\n", step, n);
  }
  // Deliveries by channel: email, and push when a VAPID key is configured.
  const auto email = app_.email_outbox.counts();
  out +=
      "# HELP pm_worker_deliveries_total Deliveries this worker attempted, by channel and outcome: sent, retried "
      "(a temporary failure, tried again later), failed (permanent, never retried), bounced (the recipient "
      "refused; also counted as failed).\n"
      "# TYPE pm_worker_deliveries_total counter\n";
  for (auto [outcome, n] : {std::pair{"sent", email.sent},
                            {"retried", email.retried},
                            {"failed", email.failed},
                            {"bounced", email.bounced}})
    out += fmt::format("pm_worker_deliveries_total{{channel=\"email\",outcome=\"{}\"}} {}\n", outcome, n);
  // Push: removed = subscriptions the push service said are gone (404/410), deleted.
  if (app_.push_sender) {
    const auto push = app_.push_sender->counts();
    for (auto [outcome, n] :
         {std::pair{"sent", push.sent}, {"retried", push.retried}, {"failed", push.failed}, {"removed", push.removed}})
      out += fmt::format("pm_worker_deliveries_total{{channel=\"push\",outcome=\"{}\"}} {}\n", outcome, n);
  }
  if (auto e = app_.email_outbox.backlog()) {
    out +=
        "# HELP pm_worker_email_outbox_pending Mails waiting to be sent (not sent, failed or started).\n"
        "# TYPE pm_worker_email_outbox_pending gauge\n"
        "# HELP pm_worker_email_outbox_oldest_due_seconds How long the longest-waiting due mail has waited.\n"
        "# TYPE pm_worker_email_outbox_oldest_due_seconds gauge\n";
    backlog_lines(out, "", *e, "pm_worker_email_outbox_pending", "pm_worker_email_outbox_oldest_due_seconds");
  } else {
    log::warn("worker_metrics_failed", {{"queue", "email"}, {"error", e.error().type}});
  }
  // A store that does not answer leaves its lines out (the alert on the worker's own loop fires).
  auto jobs = db::transact(
      app_.db, [](pqxx::work& tx) -> Result<std::map<std::string, jobs::JobBacklog>> { return jobs::backlog(tx); });
  if (jobs) {
    out +=
        "# HELP pm_worker_jobs_pending Jobs waiting in the job queue, by kind.\n"
        "# TYPE pm_worker_jobs_pending gauge\n"
        "# HELP pm_worker_jobs_oldest_due_seconds How long the oldest due job of a kind has waited.\n"
        "# TYPE pm_worker_jobs_oldest_due_seconds gauge\n"
        "# HELP pm_worker_jobs_oldest_retrying_seconds How long the oldest job of a kind that failed or was "
        "postponed before has existed.\n"
        "# TYPE pm_worker_jobs_oldest_retrying_seconds gauge\n";
    for (const auto& [kind, b] : *jobs) {
      const auto labels = fmt::format("{{kind=\"{}\"}}", kind);
      backlog_lines(out, labels, b, "pm_worker_jobs_pending", "pm_worker_jobs_oldest_due_seconds");
      out += fmt::format("pm_worker_jobs_oldest_retrying_seconds{} {}\n", labels, b.oldest_retrying_seconds);
    }
  } else {
    log::warn("worker_metrics_failed", {{"queue", "jobs"}, {"error", jobs.error().type}});
  }
  if (auto g = app_.match_engine.generation_backlog()) {
    out +=
        "# HELP pm_worker_generation_queue Users waiting for their matches to be generated again.\n"
        "# TYPE pm_worker_generation_queue gauge\n"
        "# HELP pm_worker_generation_lag_seconds How long the first of them has waited.\n"
        "# TYPE pm_worker_generation_lag_seconds gauge\n";
    backlog_lines(out, "", *g, "pm_worker_generation_queue", "pm_worker_generation_lag_seconds");
  } else {
    log::warn("worker_metrics_failed", {{"queue", "generation"}, {"error", g.error().type}});
  }
  if (auto o = app_.notification_outbox.backlog()) {
    out +=
        "# HELP pm_worker_outbox_pending Notifications (email, push) waiting to be delivered.\n"
        "# TYPE pm_worker_outbox_pending gauge\n"
        "# HELP pm_worker_outbox_oldest_due_seconds How late the most overdue of them is.\n"
        "# TYPE pm_worker_outbox_oldest_due_seconds gauge\n";
    backlog_lines(out, "", *o, "pm_worker_outbox_pending", "pm_worker_outbox_oldest_due_seconds");
  } else {
    log::warn("worker_metrics_failed", {{"queue", "outbox"}, {"error", o.error().type}});
  }
}

}  // namespace pm::app
