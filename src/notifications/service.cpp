#include "notifications/service.hpp"

#include "core/background.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/validation.hpp"
#include "db/transaction.hpp"
#include "notifications/repository.hpp"

namespace pm::notifications {

namespace {

Problem notification_not_found() { return Problem("not-found", "there is no such notification among yours"); }

// One outbox row per channel the user has on; the payload is the notification as recorded.
void add_deliveries(std::vector<repository::Delivery>& out, const UserId& user_id, const Json& settings,
                    const Json& notification) {
  for (auto channel : kChannels)
    if (setting_on(settings, channel_name(channel)))
      out.push_back({.notification_id = notification["notification_id"].get<std::string>(),
                     .user_id = user_id,
                     .channel = channel,
                     .payload = notification});
}

}  // namespace

std::optional<Json> Service::record(pqxx::work& tx, const UserId& user_id, Type type, const Json& content) {
  // Usually someone else's notification (the recipient of a message or a like): the caller's own
  // row-level policies refuse it, the notification service writes it as the system.
  db::AsSystem system(tx);
  const Json settings = repository::settings_of(tx, user_id);
  if (!setting_on(settings, setting_key(type))) return std::nullopt;
  Json out = repository::insert(tx, user_id, type_name(type), content).to_json();
  std::vector<repository::Delivery> deliveries;
  add_deliveries(deliveries, user_id, settings, out);
  repository::queue(tx, deliveries);
  return out;
}

std::optional<Json> Service::record_coalesced(pqxx::work& tx, const UserId& user_id, Type type,
                                              const std::string& group_key, const Json& content) {
  auto recorded =
      record_coalesced_many(tx, type, {{.user_id = user_id, .group_key = group_key, .content = content, .count = 1}});
  if (recorded.empty()) return std::nullopt;  // suppressed
  return std::move(recorded.front().second);
}

Service::Recorded Service::record_coalesced_many(pqxx::work& tx, Type type, const std::vector<Coalescing>& groups) {
  db::AsSystem system(tx);  // as in record()
  std::vector<UserId> users;
  for (const auto& g : groups) users.push_back(g.user_id);
  const auto settings = repository::settings_of_many(tx, users);
  auto settings_of = [&](const UserId& user) {
    auto it = settings.find(user);
    return it == settings.end() ? Json::object() : it->second;
  };
  std::vector<repository::GroupedContent> wanted;
  for (const auto& g : groups)
    if (setting_on(settings_of(g.user_id), setting_key(type)))
      wanted.push_back({.user_id = g.user_id, .group_key = g.group_key, .content = g.content, .count = g.count});
  Recorded out;
  std::vector<repository::Delivery> deliveries;  // a new notification is delivered, a folded one was
  for (const auto& [user, stored] : repository::insert_or_coalesce_many(tx, type_name(type), wanted)) {
    Json note = stored.notification.to_json();
    if (stored.inserted) add_deliveries(deliveries, user, settings_of(user), note);
    out.emplace_back(user, std::move(note));
  }
  repository::queue(tx, deliveries);
  return out;
}

void Service::announce(const Recorded& notifications) const {
  if (!on_recorded || notifications.empty()) return;
  // The notification is stored either way; a failed live push must not fail the caller's request.
  survive("notification_announce_failed", [&] { on_recorded(notifications); });
}

void Service::forget_message_preview(pqxx::work& tx, const UserId& recipient, const std::string& message_id) {
  db::AsSystem system(tx);  // the recipient's notification, the sender's request
  repository::forget_message_preview(tx, recipient, message_id);
}

Result<void> Service::forget_between(const UserId& a, const UserId& b) {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<void> {
    db::AsSystem system(tx);  // the other person's notifications too, whoever asked for the block
    repository::forget_between(tx, a, b);
    return {};
  });
}

Result<Json> Service::unsubscribe(std::string_view token) {
  auto who = tokens_.read(token);
  if (!who) return std::unexpected(Problem("invalid-token", "this unsubscribe link is not valid"));
  const std::string key(setting_key(who->type));
  return db::transact(db_, [&](pqxx::work& tx) -> Result<Json> {
    db::AsSystem system(tx);  // no session: the token is the authority
    repository::turn_off(tx, who->user_id, key);
    return Json{{"setting", key}, {"enabled", false}};
  });
}

Result<NotificationPage> Service::list(const UserId& user_id, const ListQuery& query) {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<NotificationPage> {
    NotificationPage page;
    // One more than the page: whether there is a next page, without a count.
    page.notifications = repository::list(tx, user_id, query.cursor, query.limit + 1, query.unread_only);
    if (static_cast<int>(page.notifications.size()) > query.limit) {
      page.notifications.pop_back();
      const auto& last = page.notifications.back();
      page.next_cursor = encode_cursor({last.created_us, last.notification_id});
    }
    page.unread_count = repository::unread_count(tx, user_id);
    return page;
  });
}

Result<Notification> Service::mark_read(const UserId& user_id, const std::string& notification_id) {
  if (!crypto::is_uuid(notification_id)) return std::unexpected(notification_not_found());
  return db::transact(db_, [&](pqxx::work& tx) -> Result<Notification> {
    auto n = repository::mark_read(tx, user_id, crypto::canonical_uuid(notification_id));
    if (!n) return std::unexpected(notification_not_found());
    return *n;
  });
}

Result<MarkedRead> Service::mark_all_read(const UserId& user_id) {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<MarkedRead> {
    return MarkedRead{.count = repository::mark_all_read(tx, user_id)};
  });
}

Result<SavedSubscription> Service::subscribe_push(const UserId& user_id, const std::string& session_id,
                                                  const PushSubscriptionInput& in) {
  if (!names_push_service(push_service_hosts_, in.endpoint))
    return std::unexpected(invalid_field("endpoint", "is not the address of a known push service"));
  return db::transact(db_, [&](pqxx::work& tx) -> Result<SavedSubscription> {
    if (repository::count_other_push_subscriptions(tx, user_id, in.endpoint) >= kMaxPushSubscriptionsPerUser)
      return std::unexpected(Problem("push-subscription-limit",
                                     "this account has the most browsers it may have; turn notifications off on one"));
    // An endpoint names one browser: if it was subscribed for another account (someone else
    // signed in on it before), it now delivers to this one. That row is the other user's, so
    // the change is made as the system.
    db::AsSystem system(tx);
    return repository::save_push_subscription(tx, user_id, session_id, in);
  });
}

void Service::sessions_ended(const UserId& user_id, const std::vector<std::string>& sessions, bool all,
                             const std::optional<std::string>& kept) {
  if (!all && sessions.empty()) return;
  // A listener, called once the sessions have ended: nothing here (not even an exception
  // transact lets through, e.g. a statement timeout) may turn the sign-out into a failure.
  survive("push_subscriptions_not_ended", [&] {
    auto ended = db::transact(db_, [&](pqxx::work& tx) -> Result<int> {
      db::AsSystem system(tx);  // a suspension ends someone else's sessions
      return repository::end_push_subscriptions(tx, user_id, sessions, all, kept);
    });
    if (!ended) log::warn("push_subscriptions_not_ended", {{"error", ended.error().type}});
  });
}

Result<void> Service::unsubscribe_push(const UserId& user_id, const std::string& endpoint) {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<void> {
    if (!repository::delete_push_subscription(tx, user_id, endpoint))
      return std::unexpected(Problem("not-found", "you have no push subscription with this endpoint"));
    return {};
  });
}

Result<Json> Service::push_key() const {
  if (push_public_key.empty())
    return std::unexpected(Problem("push-not-configured", "this server sends no Web Push (no VAPID key)"));
  return Json{{"public_key", push_public_key}};
}

}  // namespace pm::notifications
