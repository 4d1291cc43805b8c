#pragma once
// The Notification Service's vocabulary: notification types and the setting that governs each,
// delivery channels, the stored notification and its JSON, and the list query with its cursor.
// Pure code (no SQL, no HTTP), so it is unit-tested on its own.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/problem.hpp"

namespace pm::notifications {

// What happened. To add a type: a value here, a row in kTypes (model.cpp) naming its API string
// and the notification_settings key that turns it off, and a line in docs/notifications.md.
enum class Type {
  match_new,             // "match.new": both users liked; content {match_id, conversation_id, user_id (the other)}
  message_new,           // "message.new": content {conversation_id, message_id, sender_id, preview, count} (coalesced)
  like_received,         // "like.received": content {match_id}, stored but never shown (shown_content)
  subscription_changed,  // "subscription.changed": content {plan_type, status} (no caller records it yet)
};

// "match.new", ...: the `type` column and the API's `type`.
std::string_view type_name(Type type);
std::optional<Type> type_from_name(std::string_view name);
// The notification_settings key that turns the type off ("new_match", ...; docs/openapi.yaml NotificationSettings).
std::string_view setting_key(Type type);

// Where a notification goes besides the in-app list; each has a notification_settings key of the same name.
enum class Channel { email, push };
inline constexpr Channel kChannels[] = {Channel::email, Channel::push};
std::string_view channel_name(Channel channel);
std::optional<Channel> channel_from_name(std::string_view name);

// Whether `key` is on in a user's notification_settings object: every key defaults to true
// (absent, or a settings value that is not an object), only an explicit false turns it off.
bool setting_on(const Json& settings, std::string_view key);

// A stored notification.
// What the recipient is shown of a stored content. A like.received keeps the match it came from
// (a block between the two forgets it by that id) but never shows it: who liked you is the paid
// `who_liked_me` (GET /likes/received), and the match id would open the liker's profile to anyone.
// The data export applies the same rule in its SQL (repository.cpp kExportQueries).
Json shown_content(std::string_view type, const Json& content);

struct Notification {
  std::string notification_id;
  std::string type;
  Json content = Json::object();
  bool is_read = false;
  std::string created_at;       // UTC ISO-8601 with milliseconds
  std::int64_t created_us = 0;  // created_at in microseconds since the epoch: the exact cursor position

  // {notification_id, type, content, is_read, created_at}: the API's Notification.
  Json to_json() const;
};

// One page of a user's notifications, newest first.
struct NotificationPage {
  std::vector<Notification> notifications;
  std::optional<std::string> next_cursor;  // absent on the last page
  int unread_count = 0;                    // all the user's unread, not only this page's
  // {notifications, next_cursor, unread_count}: the API's NotificationList.
  Json to_json() const;
};

// What "mark all read" did.
struct MarkedRead {
  int count = 0;  // how many were unread
  Json to_json() const { return {{"marked_read", count}}; }
};

// Cursors are "<created_at in microseconds since the epoch>_<notification id>": the position of
// the last item of the previous page, exact (the API's times are rounded to milliseconds).
struct Cursor {
  std::int64_t created_us = 0;
  std::string notification_id;
};
std::string encode_cursor(const Cursor& cursor);
std::optional<Cursor> decode_cursor(std::string_view text);
// "YYYY-MM-DD HH:MM:SS.ffffff+00" for `us` since the epoch: a timestamptz literal PostgreSQL reads exactly.
std::string timestamp_literal(std::int64_t us);

struct ListQuery {
  std::optional<Cursor> cursor;
  int limit = 20;  // 1-100
  bool unread_only = false;

  // From ?cursor=&limit=&unread=; 400 "validation-failed" naming the bad parameter.
  static Result<ListQuery> parse(const std::optional<std::string>& cursor, const std::optional<std::string>& limit,
                                 const std::optional<std::string>& unread);
};

// A browser's Web Push subscription, as PushSubscription.toJSON() gives it:
// {endpoint, expirationTime, keys: {p256dh, auth}}.
struct PushSubscriptionInput {
  std::string endpoint;  // https:// (http:// only to a loopback host, as core/http_client allows)
  std::string p256dh;    // base64url of a 65-byte uncompressed P-256 point
  std::string auth;      // base64url of 16 bytes

  // 400 "validation-failed" naming each bad field (endpoint, keys.p256dh, keys.auth).
  static Result<PushSubscriptionInput> parse(const Json& body);
};
// True when the host of `endpoint` is one of `hosts` (comma-separated, Config::push_service_hosts)
// or below one of them ("fcm.googleapis.com" allows "fcm.googleapis.com" only; "push.apple.com"
// also "web.push.apple.com"). The worker POSTs to a subscription's endpoint: without this a user
// could aim it at any host our servers reach.
bool names_push_service(std::string_view hosts, std::string_view endpoint);

// A stored subscription. Its JSON (the API's PushSubscription) leaves the keys out: the browser has them.
struct PushSubscription {
  std::string subscription_id, endpoint, p256dh, auth;
  // The session that subscribed (its token's SHA-256): the browser's pushes end with it. Never shown.
  std::string session_id;
  std::string created_at;  // UTC ISO-8601 with milliseconds
  Json to_json() const {
    return {{"subscription_id", subscription_id}, {"endpoint", endpoint}, {"created_at", created_at}};
  }
};
struct SavedSubscription {
  PushSubscription subscription;
  bool created = false;  // new (201), or an endpoint already known whose keys or owner changed (200)
};
inline constexpr int kMaxPushSubscriptionsPerUser = 10;  // browsers and devices of one person
inline constexpr std::size_t kMaxPushEndpointLength = 2048;

// What a push message says (mail/templates words it; the web app's service worker shows it).
struct PushMessage {
  std::string title;
  std::string body;
  std::string url;  // an absolute URL into the web app
  Json to_json() const { return {{"title", title}, {"body", body}, {"url", url}}; }
};

}  // namespace pm::notifications
