#pragma once
// The Notification Service: recording notifications inside the caller's transaction (honouring
// the user's notification_settings and queuing email/push deliveries), and the user's list,
// read and read-all. docs/notifications.md describes the types, settings and guarantees.

#include <functional>
#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"
#include "db/pool.hpp"
#include "notifications/model.hpp"
#include "notifications/unsubscribe.hpp"

namespace pm::notifications {

class Service {
 public:
  // Notifications just recorded, each with its user, as the API shows them (what record*() return
  // and announce() takes).
  using Recorded = std::vector<std::pair<UserId, Json>>;

  // `mac`: the key of the one-click unsubscribe tokens (notifications/unsubscribe.hpp).
  // `push_service_hosts`: Config::push_service_hosts, the push services subscriptions may name.
  Service(db::Pool& db, const crypto::BlindIndex& mac, std::string push_service_hosts = {})
      : db_(db), tokens_(mac), push_service_hosts_(std::move(push_service_hosts)) {}

  // Records a notification in the caller's transaction `tx`, so it exists exactly when the change
  // that caused it commits. Nothing is written when the user turned the type off; otherwise an
  // outbox row is queued for each channel (email, push) the user has on. Returns the notification
  // as the API shows it, or nullopt when suppressed. After commit, pass it to announce().
  std::optional<Json> record(pqxx::work& tx, const UserId& user_id, Type type, const Json& content);

  // Like record(), but while the user has an UNREAD notification of this type and `group_key`
  // (e.g. message.new and the conversation id), that one is updated instead: content replaced by
  // `content` (the newest preview) with "count" one higher, created_at now, and no second
  // delivery queued. Returns the notification (new or updated), or nullopt when suppressed.
  std::optional<Json> record_coalesced(pqxx::work& tx, const UserId& user_id, Type type, const std::string& group_key,
                                       const Json& content);

  // record_coalesced for many users and groups at once (each user and group once; `count` each),
  // in a few statements whatever their number: what the deferred step of message sends records.
  // Returns each recorded notification with its user (the suppressed ones are absent).
  struct Coalescing {
    UserId user_id;
    std::string group_key;
    Json content;
    int count = 1;
  };
  Recorded record_coalesced_many(pqxx::work& tx, Type type, const std::vector<Coalescing>& groups);

  // The live-push hook: callers pass announce() the notifications record*() returned, after their
  // transaction committed (never before: a rolled-back change must push nothing), all of a
  // transaction's in one call (the hub publishes them in one round trip). The realtime hub sets
  // on_recorded at wiring time, before serving starts, to send `notification.new` to the users'
  // sockets; unset, announce() does nothing.
  std::function<void(const Recorded& notifications)> on_recorded;
  void announce(const Recorded& notifications) const;

  // In the caller's transaction: the recipient's notification no longer quotes a message its
  // sender deleted (repository::forget_message_preview).
  void forget_message_preview(pqxx::work& tx, const UserId& recipient, const std::string& message_id);
  // After a block: neither keeps a notification naming the other, nor gets one still queued.
  Result<void> forget_between(const UserId& a, const UserId& b);

  // The user's notifications newest first.
  Result<NotificationPage> list(const UserId& user_id, const ListQuery& query);
  // Marks one of the user's notifications read and returns it; 404 for an absent id or anyone
  // else's (indistinguishable, so ids reveal nothing).
  Result<Notification> mark_read(const UserId& user_id, const std::string& notification_id);
  // Marks all the user's notifications read.
  Result<MarkedRead> mark_all_read(const UserId& user_id);

  // The one-click unsubscribe of notification mails: the token's user gets the token's type
  // turned off ({"setting": key, "enabled": false}); 400 invalid-token for a malformed or forged one.
  const UnsubscribeTokens& unsubscribe_tokens() const { return tokens_; }
  Result<Json> unsubscribe(std::string_view token);

  // Web Push: a browser's subscription stored for the user (at most kMaxPushSubscriptionsPerUser:
  // 409 "push-subscription-limit" beyond; 400 "validation-failed" for an endpoint that is not one of
  // the configured push services), and removed by its endpoint (404 unless the user's own).
  // `session_id`: the caller's session (auth::Caller), whose end ends the subscription.
  Result<SavedSubscription> subscribe_push(const UserId& user_id, const std::string& session_id,
                                           const PushSubscriptionInput& in);
  // Sessions ended (wired by app/ to auth::SessionStore::on_ended): the browsers they turned push
  // on in get none any more. `sessions` ended, or with `all` every session of the user but `kept`.
  // A failure is logged: the sessions are over either way.
  void sessions_ended(const UserId& user_id, const std::vector<std::string>& sessions, bool all,
                      const std::optional<std::string>& kept);
  Result<void> unsubscribe_push(const UserId& user_id, const std::string& endpoint);
  // The VAPID public key browsers subscribe with (base64url); empty while push is off (no key).
  std::string push_public_key;
  // 404 "push-not-configured" while push_public_key is empty.
  Result<Json> push_key() const;

 private:
  db::Pool& db_;
  UnsubscribeTokens tokens_;
  std::string push_service_hosts_;
};

}  // namespace pm::notifications
