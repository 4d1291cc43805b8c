#include "mail/mime.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "core/time.hpp"

namespace pm::mail {

namespace {

// Base64 in lines of 76 (RFC 2045).
std::string base64_lines(std::string_view bytes) {
  auto flat = crypto::base64(bytes);
  std::string out;
  for (std::size_t i = 0; i < flat.size(); i += 76) out += flat.substr(i, 76) + "\r\n";
  return out;
}

// A header value as it may travel: printable ASCII as it is, anything else one RFC 2047 encoded word.
std::string header_text(std::string_view value) {
  if (ascii_printable(value)) return std::string(value);
  return "=?UTF-8?B?" + crypto::base64(value) + "?=";
}

// Header values come from our templates and settings, but an address or subject with a line
// break would add headers of its own: cut at the first one.
std::string one_line(std::string_view value) { return std::string(value.substr(0, value.find_first_of("\r\n"))); }

std::string part(const std::string& type, const std::string& content) {
  return fmt::format("Content-Type: {}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}", type,
                     base64_lines(content));
}

}  // namespace

std::string address_of(const std::string& from) {
  auto open = from.rfind('<');
  auto close = from.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open)
    return from.substr(open + 1, close - open - 1);
  return from;
}

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? std::string("localhost") : address.substr(at + 1);
}

std::string MimeMessage::text() const {
  std::string out;
  for (const auto& h : headers) out += h + "\r\n";
  return out + "\r\n" + body;
}

MimeMessage compose(const Mail& mail, const std::string& from, std::chrono::system_clock::time_point now) {
  MimeMessage m;
  m.headers = {
      "From: " + one_line(from),
      "To: <" + one_line(mail.to) + ">",
      "Subject: " + header_text(one_line(mail.subject)),
      fmt::format("Date: {:%a, %d %b %Y %H:%M:%S} +0000", utc_tm(now)),
      fmt::format("Message-ID: <{}@{}>", mail.id, domain_of(address_of(from))),
      "MIME-Version: 1.0",
  };
  if (!mail.list_unsubscribe.empty()) {
    m.headers.push_back("List-Unsubscribe: <" + one_line(mail.list_unsubscribe) + ">");
    m.headers.push_back("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
  }
  if (mail.html.empty()) {
    m.headers.push_back("Content-Type: text/plain; charset=utf-8");
    m.headers.push_back("Content-Transfer-Encoding: base64");
    m.body = base64_lines(mail.body);
    return m;
  }
  const std::string boundary = "=_pm_" + mail.id;
  m.headers.push_back(fmt::format("Content-Type: multipart/alternative; boundary=\"{}\"", boundary));
  m.body = fmt::format("--{0}\r\n{1}\r\n--{0}\r\n{2}\r\n--{0}--\r\n", boundary, part("text/plain", mail.body),
                       part("text/html", mail.html));
  return m;
}

}  // namespace pm::mail
