#pragma once
// Delivery of the notification outbox (rows queued by Service::record in the transaction that
// recorded the notification). Several workers may deliver at once:
//   - a row is claimed with FOR UPDATE SKIP LOCKED and a lease (claimed_until): no other worker
//     takes it while the lease lasts, and the database connection is not held while sending;
//   - a failed send is retried with exponential backoff, up to max_attempts, then left failed
//     with last_error;
//   - a worker that dies mid-send leaves its rows to be taken again when the lease ends. Such a
//     retry cannot make a second copy because the sender is handed the row id as idempotency
//     key (the default JsonFileSender writes <id>.json once).

#include <chrono>
#include <memory>

#include "core/backlog.hpp"
#include "db/pool.hpp"
#include "notifications/notification_sender.hpp"

namespace pm::notifications {

struct OutboxOptions {
  // How long a claim keeps other workers off a row. Sends stop at half of it (rows not reached
  // are given back), so a send must finish within lease / 2.
  std::chrono::seconds lease{120};
  int max_attempts = 8;
  std::chrono::seconds backoff_base{30};  // wait after the first failure; doubles after each next one
  std::chrono::seconds backoff_max{3600};
};

// How long to wait after the `failures`-th failed attempt (1, 2, ...): base, 2 base, 4 base, ...
// never more than `max`.
std::chrono::seconds retry_delay(int failures, std::chrono::seconds base, std::chrono::seconds max);

class NotificationOutbox {
 public:
  NotificationOutbox(db::Pool& db, std::unique_ptr<NotificationSender> sender, OutboxOptions options = {})
      : db_(db), sender_(std::move(sender)), options_(options) {}

  // Claims up to `limit` due rows and sends them; returns how many were delivered. The worker
  // calls it every round.
  Result<int> deliver_pending(int limit = 50);
  // What waits to be sent (the worker's /metrics): rows neither sent nor failed for good.
  Result<Backlog> backlog();

 private:
  db::Pool& db_;
  std::unique_ptr<NotificationSender> sender_;
  OutboxOptions options_;
};

}  // namespace pm::notifications
