#pragma once
// The notification outbox's sender for channel push when a VAPID key is configured
// (docs/notifications.md "Push"): each delivery goes to every browser the user subscribed, as an
// RFC 8291-encrypted, VAPID-signed request to the subscription's push service (RFC 8030).
//
// At most once, per (delivery, subscription), as the email outbox does it:
//   - the attempt is recorded and committed (push_deliveries 'started') before the request;
//   - 2xx: 'sent'. 429 and 5xx, or no connection made: 'retry', and send() reports a failure so
//     the outbox tries the delivery again with backoff (subscriptions already done are skipped);
//   - 404/410: the subscription is gone; it is deleted. Any other 4xx: 'failed' for good;
//   - a timeout or a connection lost mid-request leaves 'started' (outcome unknown): never tried
//     again, like a worker killed between sending and recording. A lost push, never a second one.
// Without a VAPID key, push deliveries stay files (JsonFileSender), as laptops and tests expect.

#include <atomic>
#include <chrono>
#include <functional>

#include "db/pool.hpp"
#include "notifications/model.hpp"
#include "notifications/notification_sender.hpp"
#include "notifications/push_crypto.hpp"

namespace pm::notifications {

// What this process's push deliveries came to since it started (the worker's /metrics).
struct PushCounts {
  unsigned long long sent = 0;     // requests the push service accepted
  unsigned long long retried = 0;  // 429, 5xx, no connection: to be tried again
  unsigned long long failed = 0;   // other 4xx, unusable keys, and unknown outcomes (never tried again)
  unsigned long long removed = 0;  // subscriptions deleted after a 404/410
};

class WebPushSender : public NotificationSender {
 public:
  // How a notification (its API JSON) reads as a push message in the user's language
  // (mail/templates, wired by app/).
  using Render = std::function<PushMessage(const Json& notification, const std::string& language)>;
  // Whether the user's session (its id) is still in force (auth::SessionStore::active, wired by
  // app/). A browser's subscription is its session's: once the session has ended or expired (an
  // expiry ends nothing else), the subscription is removed instead of pushed to.
  using SessionInForce = std::function<Result<bool>(const UserId& user_id, const std::string& session_id)>;
  struct Options {
    std::chrono::milliseconds timeout{10000};  // one request to a push service, connecting included
    std::chrono::seconds ttl{24 * 3600};       // how long a push service keeps a message for an offline browser
    std::string service_hosts;                 // Config::push_service_hosts: no request to any other host
    SessionInForce session_in_force;           // unset: every subscription's session is
  };
  WebPushSender(db::Pool& db, push::Vapid vapid, Render render, Options options)
      : db_(db), vapid_(std::move(vapid)), render_(std::move(render)), options_(options) {}

  Result<void> send(const Outgoing& out) override;
  PushCounts counts() const;
  // The VAPID public key (base64url): the browser's applicationServerKey.
  const std::string& public_key() const { return vapid_.public_key; }

 private:
  enum class Outcome { sent, retry, failed, removed, unknown };
  Outcome push_one(const PushSubscription& sub, const Outgoing& out, const std::string& body,
                   const std::vector<std::string>& headers);

  db::Pool& db_;
  push::Vapid vapid_;
  Render render_;
  Options options_;
  std::atomic<unsigned long long> sent_{0}, retried_{0}, failed_{0}, removed_{0};
};

// The Topic header of a notification (RFC 8030 §5.4): a coalesced message.new's conversation, so a
// push service that still holds an unread earlier one replaces it; empty for other types.
std::string push_topic(const Json& notification);

}  // namespace pm::notifications
