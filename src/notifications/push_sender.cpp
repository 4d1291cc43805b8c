#include "notifications/push_sender.hpp"

#include <fmt/format.h>

#include "core/base64url.hpp"
#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"
#include "notifications/repository.hpp"

namespace pm::notifications {

namespace {

constexpr std::string_view kOutcomeNames[] = {"sent", "retry", "failed", "removed", "unknown"};

struct Target {
  std::vector<PushSubscription> subscriptions;
  std::optional<Json> content;  // the notification's content now; nullopt: read or gone
  std::string language;         // the user's (their settings)
};

}  // namespace

std::string push_topic(const Json& notification) {
  if (notification.value("type", "") != "message.new") return {};
  const Json content = notification.value("content", Json::object());
  if (!content.contains("conversation_id") || !content["conversation_id"].is_string()) return {};
  // At most 32 characters of the URL-safe base64 alphabet (RFC 8030 §5.4): hex qualifies.
  return crypto::sha256_hex("message.new:" + content["conversation_id"].get<std::string>()).substr(0, 32);
}

Result<void> WebPushSender::send(const Outgoing& out) {
  if (out.channel != Channel::push) return std::unexpected(Problem("push-unavailable", "not a push delivery"));
  const std::string notification_id = out.payload.value("notification_id", "");
  // The worker reaches every user's rows: as the system.
  auto target = PM_TRY(db::transact(db_, [&](pqxx::work& tx) -> Result<Target> {
    db::AsSystem system(tx);
    return Target{
        .subscriptions = repository::push_subscriptions_of(tx, out.user_id),
        .content = crypto::is_uuid(notification_id) ? repository::unread_content(tx, notification_id) : std::nullopt,
        .language = repository::language_of(tx, out.user_id)};
  }));
  // Read (or deleted) before it could go: the user has seen it; a push now would be stale.
  if (!target.content || target.subscriptions.empty()) return {};

  Json notification = out.payload;
  notification["content"] = *target.content;  // a coalesced one counts the messages folded in since
  const PushMessage message = render_(notification, target.language);
  Json payload = message.to_json();
  payload["type"] = notification.value("type", "");
  payload["notification_id"] = notification_id;
  const std::string body = payload.dump();

  std::vector<std::string> headers = {
      fmt::format("TTL: {}", options_.ttl.count()), "Content-Encoding: aes128gcm",
      "Content-Type: application/octet-stream",
      std::string("Urgency: ") + (notification.value("type", "") == "like.received" ? "normal" : "high")};
  if (auto topic = push_topic(notification); !topic.empty()) headers.push_back("Topic: " + topic);

  bool retry = false;
  for (const auto& sub : target.subscriptions) {
    if (options_.session_in_force) {
      // Asked at each push: a session that merely expired tells nobody.
      auto in_force = options_.session_in_force(out.user_id, sub.session_id);
      if (!in_force) return std::unexpected(in_force.error());  // not known: the outbox tries again
      if (!*in_force) {
        auto forgot = db::transact(db_, [&](pqxx::work& tx) -> Result<bool> {
          db::AsSystem system(tx);
          repository::forget_push_subscription(tx, sub.subscription_id);
          return true;
        });
        if (!forgot) return std::unexpected(forgot.error());
        ++removed_;
        continue;
      }
    }
    auto started = db::transact(db_, [&](pqxx::work& tx) -> Result<bool> {
      db::AsSystem system(tx);
      return repository::start_push_delivery(tx, out.outbox_id, sub.subscription_id, out.user_id);
    });
    if (!started) return std::unexpected(started.error());  // nothing sent: the outbox tries again
    if (!*started) continue;                                // done before, or its outcome is unknown
    const auto outcome = push_one(sub, out, body, headers);
    if (outcome == Outcome::retry) retry = true;
  }
  if (retry) return std::unexpected(Problem("push-unavailable", "a push service asked to try again later"));
  return {};
}

WebPushSender::Outcome WebPushSender::push_one(const PushSubscription& sub, const Outgoing& out,
                                               const std::string& body, const std::vector<std::string>& headers) {
  Outcome outcome = Outcome::failed;
  long status = 0;
  auto ua_public = base64url_decode(sub.p256dh);
  auto auth = base64url_decode(sub.auth);
  // (A subscription stored before its service left PM_PUSH_SERVICE_HOSTS is never sent to.)
  auto sealed = !names_push_service(options_.service_hosts, sub.endpoint)
                    ? std::expected<std::string, std::string>(std::unexpected("not a configured push service"))
                : ua_public && auth ? push::encrypt(body, *ua_public, *auth)
                                    : std::expected<std::string, std::string>(std::unexpected("undecodable keys"));
  std::string error;
  if (sealed) {
    auto request_headers = headers;
    request_headers.push_back("Authorization: " +
                              push::vapid_authorization(vapid_, sub.endpoint, std::chrono::system_clock::now()));
    auto answer =
        http_client::send({.method = "POST", .url = sub.endpoint, .headers = request_headers, .body = *sealed},
                          {.connect_timeout = options_.timeout, .timeout = options_.timeout, .max_body = 64 * 1024});
    if (answer) {
      status = answer->status;
      if (status >= 200 && status < 300)
        outcome = Outcome::sent;
      else if (status == 404 || status == 410)
        outcome = Outcome::removed;
      else if (status == 429 || status >= 500)
        outcome = Outcome::retry;
      else
        outcome = Outcome::failed;
      if (outcome != Outcome::sent) error = fmt::format("the push service answered {}", status);
    } else {
      outcome = answer.error().nothing_sent && answer.error().kind != http_client::Failure::Kind::refused
                    ? Outcome::retry
                : answer.error().kind == http_client::Failure::Kind::refused ? Outcome::failed
                                                                             : Outcome::unknown;
      error = answer.error().detail;
    }
  } else {
    error = sealed.error();
  }

  auto recorded = db::transact(db_, [&](pqxx::work& tx) -> Result<bool> {
    db::AsSystem system(tx);
    switch (outcome) {
      case Outcome::sent:
        repository::finish_push_delivery(tx, out.outbox_id, sub.subscription_id, "sent", status);
        break;
      case Outcome::retry:
        repository::finish_push_delivery(tx, out.outbox_id, sub.subscription_id, "retry", status);
        break;
      case Outcome::failed:
        repository::finish_push_delivery(tx, out.outbox_id, sub.subscription_id, "failed", status);
        break;
      case Outcome::removed:
        repository::forget_push_subscription(tx, sub.subscription_id);
        break;
      case Outcome::unknown:
        break;  // stays 'started': never tried again
    }
    return true;
  });
  // Unrecorded: the row stays 'started', which is never sent again.
  if (!recorded) log::warn("push_result_unrecorded", {{"outbox_id", out.outbox_id}, {"error", recorded.error().type}});

  switch (outcome) {
    case Outcome::sent:
      ++sent_;
      break;
    case Outcome::retry:
      ++retried_;
      break;
    case Outcome::removed:
      ++removed_;
      break;
    case Outcome::failed:
    case Outcome::unknown:
      ++failed_;
      break;
  }
  // The subscription's id, never its endpoint (a capability URL) or keys.
  if (outcome != Outcome::sent)
    log::warn("push_delivery_not_sent", {{"outbox_id", out.outbox_id},
                                         {"subscription_id", sub.subscription_id},
                                         {"outcome", kOutcomeNames[static_cast<int>(outcome)]},
                                         {"error", error}});
  return outcome;
}

PushCounts WebPushSender::counts() const {
  return {.sent = sent_.load(), .retried = retried_.load(), .failed = failed_.load(), .removed = removed_.load()};
}

}  // namespace pm::notifications
