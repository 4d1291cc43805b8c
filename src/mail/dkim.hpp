#pragma once
// DKIM signatures (RFC 6376) on outgoing mail, by Debian's libopendkim: rsa-sha256, relaxed/relaxed,
// over the headers libopendkim recommends signing (From, To, Subject, Date, Message-ID, MIME and
// List-Unsubscribe headers among them). Configured by PM_DKIM_SELECTOR, PM_DKIM_DOMAIN and
// PM_DKIM_KEY_FILE (a PEM RSA private key); the public key is published at
// <selector>._domainkey.<domain> (docs/notifications.md).

#include <memory>
#include <string>

#include "core/problem.hpp"
#include "mail/mime.hpp"

namespace pm::mail {

class DkimSigner {
 public:
  // Reads the key file; a missing or unreadable file is a configuration error.
  static Result<std::unique_ptr<DkimSigner>> load(std::string selector, std::string domain,
                                                  const std::string& key_file);
  ~DkimSigner();
  DkimSigner(const DkimSigner&) = delete;
  DkimSigner& operator=(const DkimSigner&) = delete;

  // The DKIM-Signature header line ("DKIM-Signature: v=1; ...", folded with CRLF, no final CRLF)
  // for `message` as it will be sent.
  Result<std::string> sign(const MimeMessage& message, const std::string& job_id) const;

 private:
  DkimSigner(std::string selector, std::string domain, std::string key, void* lib)
      : selector_(std::move(selector)), domain_(std::move(domain)), key_(std::move(key)), lib_(lib) {}
  std::string selector_;
  std::string domain_;
  std::string key_;  // PEM
  void* lib_;        // DKIM_LIB*
};

}  // namespace pm::mail
