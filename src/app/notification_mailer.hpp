#pragma once
// The notification outbox's sender when mail goes to a real relay (PM_SMTP_URL set): an email
// delivery becomes a mail in the email outbox, under the notification outbox row's id (a retried
// delivery queues nothing more), worded by mail/templates and carrying its one-click unsubscribe
// link; the email outbox then sends it with its at-most-once guarantee. Push deliveries still go
// to the file sender. Without PM_SMTP_URL, both channels stay files (docs/notifications.md).

#include <string>

#include "auth/service.hpp"
#include "db/pool.hpp"
#include "notifications/notification_sender.hpp"
#include "notifications/unsubscribe.hpp"

namespace pm::app {

class NotificationMailer : public notifications::NotificationSender {
 public:
  NotificationMailer(db::Pool& db, auth::Service& auth, const notifications::UnsubscribeTokens& tokens,
                     std::string public_url, std::string notification_dir)
      : db_(db),
        auth_(auth),
        tokens_(tokens),
        public_url_(std::move(public_url)),
        files_(std::move(notification_dir)) {}
  Result<void> send(const notifications::Outgoing& out) override;

 private:
  db::Pool& db_;
  auth::Service& auth_;
  const notifications::UnsubscribeTokens& tokens_;
  std::string public_url_;
  notifications::JsonFileSender files_;
};

}  // namespace pm::app
