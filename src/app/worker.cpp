// perfectmatch worker: the background work of the AI Matching Service, until SIGTERM/SIGINT.
//   - vectors for users who completed (or changed) the questionnaire (jobs "compute_vectors")
//   - regeneration of matches for users whose data changed (match_generation_queue)
//   - expiry of pending matches older than PM_MATCH_EXPIRY_DAYS
//   - deletion of messages older than PM_MESSAGE_RETENTION_DAYS, with their photos
//   - deletion of images uploaded for a chat and left unsent for a day
//   - deletion of activity records older than PM_ACTIVITY_RETENTION_DAYS (admin/retention.hpp)
//   - delivery of the notification outbox (email/push, with retries; docs/notifications.md)
//   - expiry of paid plans whose grace period or period ran out (subscriptions/payments.hpp)
// Several workers may run: each claims its work with FOR UPDATE SKIP LOCKED.

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "admin/retention.hpp"
#include "app/app.hpp"
#include "app/commands.hpp"
#include "core/log.hpp"
#include "subscriptions/payments.hpp"

namespace pm::app {

namespace {

std::atomic<bool> stopping{false};
void on_signal(int) { stopping = true; }

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
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  log::info("worker_started");
  // Expiry and retention scan whole tables: once a minute is plenty.
  auto last_expiry = std::chrono::steady_clock::time_point{};
  auto last_activity_retention = std::chrono::steady_clock::time_point{};
  while (!stopping) {
    int done = 0;
    if (auto n = app->match_engine.run_vector_jobs(50))
      done += *n;
    else
      log::warn("worker_vectors_failed", {{"error", n.error().type}});
    if (auto n = app->match_engine.run_generation_queue(20))
      done += *n;
    else
      log::warn("worker_generation_failed", {{"error", n.error().type}});
    if (auto n = app->notification_outbox.deliver_pending(50))
      done += *n;
    else
      log::warn("worker_notifications_failed", {{"error", n.error().type}});
    if (std::chrono::steady_clock::now() - last_expiry > std::chrono::minutes(1) || once) {
      if (auto n = app->discovery.expire(app->config.match_expiry_days)) {
        if (*n) log::info("matches_expired", {{"count", *n}});
        last_expiry = std::chrono::steady_clock::now();
      }
      if (auto n = subscriptions::expire_lapsed(app->db, app->notifications, payments->grace_days)) {
        if (*n) log::info("subscriptions_expired", {{"count", *n}});
      } else {
        log::warn("worker_subscription_expiry_failed", {{"error", n.error().type}});
      }
      if (auto n = app->messaging.delete_unsent_uploads(24)) {
        if (*n) log::info("chat_uploads_unsent_deleted", {{"count", *n}});
      } else {
        log::warn("worker_unsent_uploads_failed", {{"error", n.error().type}});
      }
      if (auto n = app->messaging.delete_expired(app->config.message_retention_days)) {
        if (*n) log::info("messages_retention_deleted", {{"count", *n}});
      } else {
        log::warn("worker_retention_failed", {{"error", n.error().type}});
      }
    }
    if (std::chrono::steady_clock::now() - last_activity_retention > std::chrono::hours(1) || once) {
      if (auto n = admin::enforce_retention(app->db, app->config.activity_retention_days)) {
        last_activity_retention = std::chrono::steady_clock::now();
        Json deleted = Json::object();
        for (const auto& [table, count] : *n)
          if (count) deleted[table] = count;
        if (!deleted.empty()) log::info("activity_retention_deleted", {{"deleted", deleted}});
      } else {
        log::warn("worker_activity_retention_failed", {{"error", n.error().type}});
      }
    }
    if (once && done == 0) break;
    // Busy while there is work; otherwise look again in a second.
    if (done == 0)
      for (int i = 0; i < 10 && !stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  app->close();
  log::info("worker_stopped");
  return 0;
}

}  // namespace pm::app
