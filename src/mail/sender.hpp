#pragma once
// Outgoing mail and the pluggable senders that deliver it.

#include <memory>
#include <string>

#include "core/problem.hpp"

namespace pm::mail {

struct Mail {
  std::string id;  // the outbox row's id: the same mail delivered twice is one file / one Message-ID
  std::string to;
  std::string subject;
  std::string body;  // plain text, UTF-8
};

class MailSender {
 public:
  virtual ~MailSender() = default;
  virtual Result<void> send(const Mail& mail) = 0;
};

// The default sender: each mail becomes <dir>/<id>.eml (RFC 5322), which a mail program opens.
// Writing the same id again replaces the file, so a retried delivery never yields two mails.
class EmlFileSender : public MailSender {
 public:
  explicit EmlFileSender(std::string dir) : dir_(std::move(dir)) {}
  Result<void> send(const Mail& mail) override;

 private:
  std::string dir_;
};

}  // namespace pm::mail
