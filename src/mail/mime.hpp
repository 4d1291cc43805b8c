#pragma once
// A Mail as the RFC 5322 message an SMTP relay is handed: headers (From, To, Subject, Date,
// Message-ID, List-Unsubscribe...) and a multipart/alternative body of the plain text and the
// HTML, each base64 (7-bit clean whatever the relay, and no line ever too long). Pure code.

#include <chrono>
#include <string>
#include <vector>

#include "mail/sender.hpp"

namespace pm::mail {

struct MimeMessage {
  std::vector<std::string> headers;  // "Name: value" lines, no CRLF (DKIM signs them one by one)
  std::string body;                  // CRLF line ends
  // The whole message, headers CRLF-terminated, a blank line, the body.
  std::string text() const;
};

// `from` is the From header's value ("Perfect Match <no-reply@example.com>" or an address);
// Message-ID is <mail.id@the From address's domain>.
MimeMessage compose(const Mail& mail, const std::string& from, std::chrono::system_clock::time_point now);

// The bare address of a From value ("Name <a@b>" -> "a@b"), and its domain ("b").
std::string address_of(const std::string& from);
std::string domain_of(const std::string& address);

}  // namespace pm::mail
