#include "notifications/notification_outbox.hpp"

#include <map>
#include <optional>
#include <string>
#include <typeinfo>

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "db/transaction.hpp"
#include "notifications/repository.hpp"

namespace pm::notifications {

namespace {

constexpr std::size_t kMaxErrorLength = 500;

// A sender is pluggable code: whatever it throws is a failed attempt, never a dead worker loop.
Result<void> send_guarded(NotificationSender& sender, const Outgoing& out) {
  try {
    return sender.send(out);
  } catch (const std::exception& e) {
    return std::unexpected(Problem("notification-sender-failed", fmt::format("the sender threw {}", typeid(e).name())));
  } catch (...) {  // whatever it threw, it is this row's failure, not the worker's round's
    return std::unexpected(Problem("notification-sender-failed", "the sender threw something not an exception"));
  }
}

}  // namespace

std::chrono::seconds retry_delay(int failures, std::chrono::seconds base, std::chrono::seconds max) {
  auto delay = base;
  for (int i = 1; i < failures && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

Result<Backlog> NotificationOutbox::backlog() {
  return db::transact(db_, [](pqxx::work& tx) -> Result<Backlog> { return repository::outbox_backlog(tx); });
}

Result<int> NotificationOutbox::deliver_pending(int limit) {
  const std::string claim = crypto::uuid_v4();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::milliseconds>(options_.lease) / 2;
  std::map<UserId, Json> settings;
  auto rows = PM_TRY(db::transact(db_, [&](pqxx::work& tx) -> Result<std::vector<repository::OutboxRow>> {
    db::AsSystem system(tx);  // every recipient's rows, their notifications and settings as they are now
    auto claimed = repository::claim(tx, claim, limit, options_.lease);
    std::vector<UserId> users;
    for (const auto& row : claimed) users.push_back(row.user_id);
    settings = repository::settings_of_many(tx, users);
    return claimed;
  }));
  // Why a claimed row is no longer to be sent (nullopt: it is), and is not, also not as a retry
  // hours later: read in the app meanwhile (a mail or push then tells of what the person has seen),
  // or turned off since it was queued (the type, the channel, a mail's one-click unsubscribe).
  auto not_wanted = [&](const repository::OutboxRow& row) -> std::optional<std::string> {
    if (!row.unread) return "seen: read in the app before it could go";
    auto it = settings.find(row.user_id);
    const Json& now = it == settings.end() ? Json::object() : it->second;
    auto type = type_from_name(row.payload.value("type", ""));
    if (setting_on(now, channel_name(row.channel)) && (!type || setting_on(now, setting_key(*type))))
      return std::nullopt;
    return "turned-off: the recipient turned it off, or has not proven the address";
  };

  int sent = 0;
  std::vector<std::string> not_reached;
  for (const auto& row : rows) {
    // Past half the lease another worker may soon take the rest: give them back unattempted.
    if (std::chrono::steady_clock::now() >= deadline) {
      not_reached.push_back(row.outbox_id);
      continue;
    }
    // Claimed more often than it may be tried, with no outcome recorded: each attempt ended the
    // worker (or its round) before it could say. Failed now, or it would be taken for good.
    std::optional<std::string> reason = not_wanted(row);
    if (!reason && row.attempts > options_.max_attempts)
      reason = fmt::format("given up: claimed {} times without an outcome", row.attempts);
    if (reason) {
      auto dropped = db::transact(db_, [&](pqxx::work& tx) -> Result<bool> {
        return repository::mark_failed(tx, row.outbox_id, claim, *reason, std::nullopt);
      });
      if (!dropped)
        log::warn("notification_result_unrecorded", {{"outbox_id", row.outbox_id}, {"error", dropped.error().type}});
      continue;
    }
    auto delivered = send_guarded(
        *sender_, {.outbox_id = row.outbox_id, .channel = row.channel, .user_id = row.user_id, .payload = row.payload});
    const bool final = !delivered && row.attempts >= options_.max_attempts;
    auto recorded = db::transact(db_, [&](pqxx::work& tx) -> Result<bool> {
      if (delivered) {
        repository::mark_sent(tx, row.outbox_id);
        return true;
      }
      auto error = fmt::format("{}: {}", delivered.error().type, delivered.error().detail).substr(0, kMaxErrorLength);
      std::optional<std::chrono::seconds> retry_in;
      if (!final) retry_in = retry_delay(row.attempts, options_.backoff_base, options_.backoff_max);
      return repository::mark_failed(tx, row.outbox_id, claim, error, retry_in);
    });
    // Unrecorded (the database went away): the lease runs out and the row is taken again; the
    // idempotent sender makes that retry harmless.
    if (!recorded)
      log::warn("notification_result_unrecorded", {{"outbox_id", row.outbox_id}, {"error", recorded.error().type}});
    if (delivered) {
      ++sent;
    } else {
      // The problem's type only: a sender's detail may quote an address.
      log::warn(final ? "notification_delivery_gave_up" : "notification_delivery_failed",
                {{"outbox_id", row.outbox_id},
                 {"channel", channel_name(row.channel)},
                 {"attempts", row.attempts},
                 {"error", delivered.error().type}});
    }
  }
  if (!not_reached.empty()) {
    auto released = db::transact(db_, [&](pqxx::work& tx) -> Result<bool> {
      repository::release(tx, not_reached, claim);
      return true;
    });
    if (!released)
      log::warn("notification_release_failed", {{"rows", not_reached.size()}, {"error", released.error().type}});
  }
  return sent;
}

}  // namespace pm::notifications
