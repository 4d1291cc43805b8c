#pragma once
// Delivery status notifications (RFC 3464): the mails an MTA sends back to a message's envelope
// sender when a recipient's server refused it after our relay had accepted it ("failed", a 5.x.x
// status) or while it keeps trying ("delayed", 4.x.x). Read from the raw message: a
// multipart/report (RFC 6522) whose message/delivery-status part (or message/global-delivery-status,
// RFC 6533) holds one block of per-message fields and one block per recipient. Pure code.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pm::mail {

struct DsnRecipient {
  std::string final_recipient;  // the address, without its "rfc822;" type
  std::string action;           // failed, delayed, delivered, relayed, expanded (lower case)
  std::string status;           // "5.1.1"
  std::string diagnostic;       // Diagnostic-Code, e.g. "smtp; 550 5.1.1 no such user"; may be empty
  bool permanent() const { return status.starts_with("5."); }
  bool transient() const { return status.starts_with("4."); }
};

struct Dsn {
  std::vector<std::string> envelope_to;  // Delivered-To, X-Original-To, To: where the MTA delivered it
  std::vector<DsnRecipient> recipients;
};

// The report in a message, or nullopt when it is no delivery status notification (a reply, spam,
// an autoresponder): only a multipart/report with a delivery-status part counts.
std::optional<Dsn> parse_dsn(std::string_view message);

}  // namespace pm::mail
