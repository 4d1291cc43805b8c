#pragma once
// Delivery to an SMTP relay (any provider, or a local MTA) with libcurl:
// - smtps://host:465 (implicit TLS) or smtp://host:587 with STARTTLS required; the certificate is
//   verified (PM_SMTP_CA_FILE adds a CA, for tests and private relays). Plain SMTP only to a
//   loopback host (a local MTA), where STARTTLS is still used when offered;
// - AUTH with PM_SMTP_USER / PM_SMTP_PASSWORD when a user is set;
// - one connection for a whole batch of the outbox (libcurl keeps it between mails), closed by
//   end_batch();
// - each mail multipart/alternative (mail/mime.hpp), DKIM-signed when PM_DKIM_* are set.
// A failure's outcome (mail/sender.hpp): a 5xx to RCPT TO is a bounce; any other 5xx a rejection;
// 4xx, network, TLS and login failures are temporary (a wrong password is our fault, not the mail's).

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "mail/dkim.hpp"
#include "mail/sender.hpp"

namespace pm::mail {

struct SmtpSettings {
  std::string url;       // PM_SMTP_URL: smtps://host[:port] or smtp://host[:port]; empty: no SMTP (files)
  std::string user;      // PM_SMTP_USER (empty: no AUTH)
  std::string password;  // PM_SMTP_PASSWORD (never logged)
  std::string from = "Perfect Match <no-reply@localhost>";  // PM_SMTP_FROM: the From header
  std::string ca_file;                                      // PM_SMTP_CA_FILE: extra trusted CA (PEM)
  std::chrono::milliseconds timeout{30000};                 // PM_SMTP_TIMEOUT_MS: one mail, connecting included
  std::string dkim_selector;                                // PM_DKIM_SELECTOR
  std::string dkim_domain;                                  // PM_DKIM_DOMAIN
  std::string dkim_key_file;                                // PM_DKIM_KEY_FILE
  // PM_SMTP_BOUNCE_DOMAIN: mails leave with a VERP envelope sender at this domain, whose MX hands
  // delivery status notifications to `perfectmatch mail bounce` (mail/bounce_address.hpp); empty: From's address
  std::string bounce_domain;

  // From the environment or PM_CONFIG_FILE (core/config_values.hpp: the environment wins); a malformed value (a URL
  // that is neither smtp:// nor smtps://, plain SMTP to a remote host, DKIM half configured) is a configuration error
  // naming the setting.
  static Result<SmtpSettings> load();
  // Why these settings cannot be used, or nullopt.
  std::optional<std::string> problem() const;
};

class SmtpSender : public MailSender {
 public:
  // Checks the settings and loads the DKIM key.
  static Result<std::unique_ptr<SmtpSender>> create(SmtpSettings settings);
  ~SmtpSender() override;

  Result<void> send(const Mail& mail) override;
  void end_batch() override;

 private:
  SmtpSender(SmtpSettings settings, std::unique_ptr<DkimSigner> dkim);
  SmtpSettings settings_;
  std::unique_ptr<DkimSigner> dkim_;
  void* curl_ = nullptr;  // CURL*, kept across a batch: its connection is reused
};

}  // namespace pm::mail
