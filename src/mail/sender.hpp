#pragma once
// Outgoing mail and the pluggable senders that deliver it: the default EmlFileSender (files under
// PM_MAIL_DIR, for laptops and tests) and SmtpSender (mail/smtp_sender.hpp, a real relay).

#include <memory>
#include <string>

#include "core/problem.hpp"

namespace pm::mail {

struct Mail {
  std::string id;  // the outbox row's id: the same mail delivered twice is one file / one Message-ID
  std::string to;
  std::string subject;
  std::string body;              // plain text, UTF-8
  std::string html;              // the same as HTML; empty: the plain text only
  std::string list_unsubscribe;  // a notification mail's one-click unsubscribe URL (RFC 8058); empty: none
  std::string envelope_from;     // MAIL FROM (a VERP bounce address, mail/bounce_address.hpp); empty: From's address
};

// How a send failed: a Problem "mail-unavailable" whose extension "outcome" is one of these. The
// outbox retries the first (the default when absent) and records the others for good.
inline constexpr const char* kTemporary = "temporary";  // 4xx, network, TLS, login: try again later
inline constexpr const char* kRejected = "rejected";    // a 5xx answer to the mail: never again
inline constexpr const char* kBounced = "bounced";      // a 5xx answer to the recipient: the address is bad
Problem send_failure(const char* outcome, std::string detail);
std::string outcome_of(const Problem& problem);

class MailSender {
 public:
  virtual ~MailSender() = default;
  virtual Result<void> send(const Mail& mail) = 0;
  // The outbox's batch is over: a sender that keeps a connection across sends closes it.
  virtual void end_batch() {}
};

// The default sender: each mail becomes <dir>/<id>.eml (RFC 5322, its plain text only), which a
// mail program opens. Writing the same id again replaces the file, so a retry never yields two mails.
class EmlFileSender : public MailSender {
 public:
  explicit EmlFileSender(std::string dir) : dir_(std::move(dir)) {}
  Result<void> send(const Mail& mail) override;

 private:
  std::string dir_;
};

}  // namespace pm::mail
