// perfectmatch worker: the background work of the AI Matching Service, until SIGTERM/SIGINT.
//   - the end of suspended or banned accounts' sessions (jobs "end_restricted_sessions") and of the
//     sessions a credential change found open (jobs "end_earlier_sessions")
//   - vectors for users who completed (or changed) the questionnaire (jobs "compute_vectors")
//   - regeneration of matches for users whose data changed (match_generation_queue)
//   - expiry of pending matches older than PM_MATCH_EXPIRY_DAYS
//   - deletion of messages older than PM_MESSAGE_RETENTION_DAYS, with their photos
//   - deletion of images uploaded for a chat and left unsent for a day
//   - deletion of activity records older than PM_ACTIVITY_RETENTION_DAYS (admin/retention.hpp) and
//     of the file senders' mails and notifications as old, and of stored model versions older than
//     PM_MODEL_MAX_AGE_DAYS (matching/model_store.hpp)
//   - delivery of the notification outbox (email/push, with retries; docs/notifications.md)
//   - delivery of the email outbox (files, or an SMTP relay with PM_SMTP_URL; at most once)
//   - expiry of paid plans whose grace period or period ran out (subscriptions/payments.hpp)
//   - training of the reciprocal model every PM_LEARN_INTERVAL_HOURS (a "train_model" job, so one
//     worker of several trains; matching/learner.hpp), and the newest stored model for its own
//     generations (polled every PM_MODEL_POLL_MS, as a serving node does)
// Several workers may run: each claims its work with FOR UPDATE SKIP LOCKED.
// With PM_WORKER_METRICS_PORT (or --metrics-port) it serves Prometheus /metrics on 127.0.0.1
// (app/worker_metrics.hpp).

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "admin/retention.hpp"
#include "app/app.hpp"
#include "app/commands.hpp"
#include "app/worker_metrics.hpp"
#include "core/background.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "http/server.hpp"
#include "ops/routes.hpp"
#include "subscriptions/payments.hpp"
#include "subscriptions/provider_cancellation.hpp"

namespace pm::app {

namespace {

std::atomic<bool> stopping{false};
void on_signal(int) { stopping = true; }

// A step run at most once per period, and on the first round. (A default steady_clock time
// point is the machine's boot, not "never": measured from it, a worker started within the hour
// after a boot skipped its hourly retention until the hour was up.)
class Periodic {
 public:
  explicit Periodic(std::chrono::steady_clock::duration period) : period_(period) {}
  bool due() const { return !ran_ || std::chrono::steady_clock::now() - last_ >= period_; }
  void done() {
    last_ = std::chrono::steady_clock::now();
    ran_ = true;
  }

 private:
  std::chrono::steady_clock::duration period_;
  std::chrono::steady_clock::time_point last_{};
  bool ran_ = false;
};

}  // namespace

int run_worker(Config config, bool once) {
  std::unique_ptr<App> app;
  try {
    app = std::make_unique<App>(std::move(config));
  } catch (const std::runtime_error& e) {
    log::error("worker_config_invalid", {{"error", e.what()}});
    return 2;
  }
  auto payments = subscriptions::PaymentsConfig::from_env(app->config.public_url, app->config.http_port);
  if (!payments) {
    log::error("worker_config_invalid", {{"error", payments.error().detail}});
    return 2;
  }
  // The provider the cancellations of deleted accounts' subscriptions go to (none: they wait).
  const auto provider = subscriptions::make_provider(*payments);
  WorkerMetrics metrics(*app);
  // The listener: loopback only, two threads (a scrape every few seconds is all it serves).
  http::Router metrics_router;
  std::unique_ptr<http::Server> metrics_server;
  if (app->config.worker_metrics_port != 0) {
    ops::add_metrics_routes(metrics_router, app->metrics);
    auto options = http::ServerOptions::from(app->config);
    options.host = "127.0.0.1";
    options.port = static_cast<std::uint16_t>(app->config.worker_metrics_port);
    options.io_threads = 1;
    options.handler_threads = 1;
    options.drain_delay = Millis{0};
    metrics_server = std::make_unique<http::Server>(options, metrics_router, app->metrics);
    try {
      metrics_server->start();
    } catch (const std::system_error& e) {
      log::error("worker_metrics_failed", {{"error", e.what()}, {"port", app->config.worker_metrics_port}});
      return 1;
    }
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  app->models.start(app->config.model_poll);
  log::info("worker_started");
  // Expiry and retention scan whole tables: once a minute is plenty (activity retention: an hour).
  Periodic expiry(std::chrono::minutes(1));
  Periodic activity_retention(std::chrono::hours(1));
  Periodic training_check(std::chrono::minutes(1));
  while (!stopping) {
    int done = 0;
    // A failed step is logged as worker_<step>_failed and counted in the metrics.
    auto failed = [&](const std::string& step, const Problem& p) {
      log::warn("worker_" + step + "_failed", {{"error", p.type}});
      metrics.failed(step);
    };
    // A step that throws ends the round (logged; the next one comes after a second's rest), not
    // the worker.
    const bool survived = survive_round("worker", [&] {
      if (auto n = app->auth.end_queued_sessions(50))
        done += *n;
      else
        failed("session_purge", n.error());
      if (auto n = app->photos.remove_queued(50))
        done += *n;
      else
        failed("media_removal", n.error());
      if (auto n = app->match_engine.run_vector_jobs(50))
        done += *n;
      else
        failed("vectors", n.error());
      if (auto n = app->match_engine.run_generation_queue(20))
        done += *n;
      else
        failed("generation", n.error());
      if (auto n = app->notification_outbox.deliver_pending(50))
        done += *n;
      else
        failed("notifications", n.error());
      if (auto n = app->email_outbox.deliver_pending(50))
        done += *n;
      else
        failed("email", n.error());
      if (auto n = subscriptions::cancel_queued_provider_subscriptions(app->db, provider.get(), 20))
        done += *n;
      else
        failed("provider_cancel", n.error());
      if (expiry.due() || once) {
        if (auto n = app->discovery.expire()) {
          if (*n) log::info("matches_expired", {{"count", *n}});
          expiry.done();
        } else {
          failed("match_expiry", n.error());
        }
        if (auto n = subscriptions::expire_lapsed(app->db, app->notifications, payments->grace_days)) {
          if (*n) log::info("subscriptions_expired", {{"count", *n}});
        } else {
          failed("subscription_expiry", n.error());
        }
        if (auto n = app->messaging.delete_unsent_uploads(24)) {
          if (*n) log::info("chat_uploads_unsent_deleted", {{"count", *n}});
          metrics.deleted("chat_uploads", *n);
        } else {
          failed("unsent_uploads", n.error());
        }
        if (auto n = app->messaging.delete_expired(app->config.message_retention_days)) {
          if (*n) log::info("messages_retention_deleted", {{"count", *n}});
          metrics.deleted("messages", *n);
        } else {
          failed("retention", n.error());
        }
      }
      if (training_check.due() || once) {
        training_check.done();
        if (auto trained = app->learner.run_scheduled(); !trained) failed("training", trained.error());
      }
      if (activity_retention.due() || once) {
        // Tried once an hour, failed or not: a month's drop that could not have its table's lock
        // (a long read) queued for it again every second, each time holding up every insert into
        // the table for as long as it waited.
        activity_retention.done();
        if (auto n = app->models.delete_older_than(app->config.model_max_age_days); !n)
          failed("model_retention", n.error());
        if (auto n = admin::enforce_retention(app->db, app->config.activity_retention_days)) {
          Json deleted = Json::object();
          for (const auto& [table, count] : *n) {
            if (count) deleted[table] = count;
            metrics.deleted(table, count);
          }
          // The file senders' mails and notifications (no SMTP relay, no VAPID key) hold addresses,
          // links and what was said: kept no longer than the rows they came from.
          const std::chrono::hours retention(24 * app->config.activity_retention_days);
          for (const auto& [dir, suffix, what] :
               {std::tuple{app->config.mail_dir, ".eml", "mail_files"},
                std::tuple{app->config.notification_dir, ".json", "notification_files"}}) {
            const int removed = files::remove_older_than(dir, suffix, retention);
            if (removed) deleted[what] = removed;
            metrics.deleted(what, removed);
          }
          if (!deleted.empty()) log::info("activity_retention_deleted", {{"deleted", deleted}});
        } else {
          failed("activity_retention", n.error());
        }
      }
    });
    if (!survived) metrics.failed("round");
    metrics.round_done();
    if (once && done == 0) break;
    // Busy while there is work; otherwise look again in a second.
    if (done == 0 || !survived)
      for (int i = 0; i < 10 && !stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (metrics_server) metrics_server->stop();
  metrics_server.reset();  // (waits for its threads: before the pools it reads from close)
  app->close();
  log::info("worker_stopped");
  return 0;
}

}  // namespace pm::app
