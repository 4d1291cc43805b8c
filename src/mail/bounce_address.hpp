#pragma once
// VERP envelope senders (docs/notifications.md "Bounces that come later"): with
// PM_SMTP_BOUNCE_DOMAIN set, each mail leaves with MAIL FROM
//   bounces+<outbox id, 32 hex>.<MAC, 20 hex>@<PM_SMTP_BOUNCE_DOMAIN>
// so a delivery status notification that comes back days later names the mail it is about, in
// the one address no recipient's server rewrites. The MAC is an HMAC-SHA256 under the blind-index
// key (PM_BLIND_INDEX_KEY) of a text no email address can be, cut to 80 bits (a local part holds
// at most 64 characters): nobody else can make an address that records a bounce against a user's
// mailbox. Pure code.

#include <optional>
#include <string>
#include <string_view>

#include "core/field_cipher.hpp"

namespace pm::mail {

class BounceAddresses {
 public:
  BounceAddresses(const crypto::BlindIndex& mac, std::string domain) : mac_(mac), domain_(std::move(domain)) {}
  // The envelope sender of the mail `outbox_id` (a UUID).
  std::string make(const std::string& outbox_id) const;
  // The outbox id (a canonical UUID) an address names, or nullopt when it is not one of ours or
  // its MAC is wrong (forged, altered, or made under another key).
  std::optional<std::string> read(std::string_view address) const;
  const std::string& domain() const { return domain_; }

 private:
  const crypto::BlindIndex& mac_;
  std::string domain_;
};

}  // namespace pm::mail
