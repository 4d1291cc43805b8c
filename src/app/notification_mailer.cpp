#include "app/notification_mailer.hpp"

#include "db/transaction.hpp"

namespace pm::app {

Result<void> NotificationMailer::send(const notifications::Outgoing& out) {
  if (out.channel != notifications::Channel::email) return files_.send(out);
  std::string unsubscribe;
  if (auto type = notifications::type_from_name(out.payload.value("type", "")))
    unsubscribe = public_url_ + "/api/v1/notifications/unsubscribe?token=" + tokens_.make(out.user_id, *type);
  return db::transact(db_, [&](pqxx::work& tx) -> Result<void> {
    return auth_.mail_notification(tx, out.outbox_id, out.user_id, out.payload, unsubscribe);
  });
}

}  // namespace pm::app
