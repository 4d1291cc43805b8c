#pragma once
// Delivery of notifications by email and push: the pluggable sender the notification outbox
// hands each row to, and the default one, which writes files.

#include <memory>
#include <string>

#include "core/id.hpp"
#include "core/json.hpp"
#include "core/problem.hpp"
#include "notifications/model.hpp"

namespace pm::notifications {

struct Outgoing {
  // The outbox row's id: the idempotency key. A sender must deliver one id once however often it
  // is handed it (a retry after a crash between sending and recording): a file name, an email
  // Message-ID, a push provider's collapse or idempotency id.
  std::string outbox_id;
  Channel channel = Channel::push;
  UserId user_id;
  Json payload;  // the notification as the API shows it
};

class NotificationSender {
 public:
  virtual ~NotificationSender() = default;
  // Delivers `out`; a Problem means "not delivered, try again later". Should return within the
  // outbox's lease (NotificationOutbox::Options::lease).
  virtual Result<void> send(const Outgoing& out) = 0;
};

// The default sender: each delivery becomes <dir>/<outbox id>.json, {outbox_id, channel, user_id,
// notification}, written atomically (temporary file, fsync, rename). An id already there was
// delivered: it is left as it is, so no retry ever yields a second copy or a half-written file.
class JsonFileSender : public NotificationSender {
 public:
  explicit JsonFileSender(std::string dir) : dir_(std::move(dir)) {}
  Result<void> send(const Outgoing& out) override;

 private:
  std::string dir_;
};

// Each channel to its own sender: email to a relay or files, push to browsers or files (app/ chooses).
class ChannelSenders : public NotificationSender {
 public:
  ChannelSenders(std::unique_ptr<NotificationSender> email, std::unique_ptr<NotificationSender> push)
      : email_(std::move(email)), push_(std::move(push)) {}
  Result<void> send(const Outgoing& out) override {
    return (out.channel == Channel::email ? *email_ : *push_).send(out);
  }

 private:
  std::unique_ptr<NotificationSender> email_, push_;
};

}  // namespace pm::notifications
