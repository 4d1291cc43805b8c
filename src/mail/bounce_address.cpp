#include "mail/bounce_address.hpp"

#include <algorithm>
#include <cctype>

#include <openssl/crypto.h>

#include "core/crypto.hpp"
#include "core/text.hpp"

namespace pm::mail {

namespace {

constexpr std::string_view kPrefix = "bounces+";
constexpr std::size_t kMacHex = 20;

// A newline starts it: no email address (what the key otherwise indexes) contains one.
std::string signed_text(std::string_view hex_id) { return "\nbounce\n" + std::string(hex_id); }

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

}  // namespace

std::string BounceAddresses::make(const std::string& outbox_id) const {
  std::string hex;
  for (char c : ascii_lower(outbox_id))
    if (c != '-') hex += c;
  return std::string(kPrefix) + hex + "." + mac_(signed_text(hex)).substr(0, kMacHex) + "@" + domain_;
}

std::optional<std::string> BounceAddresses::read(std::string_view address) const {
  // Mail systems may change the case of a local part: compare in lower case (all of it is hex).
  const std::string a = ascii_lower(address);
  const auto at = a.rfind('@');
  if (at == std::string::npos || a.substr(at + 1) != ascii_lower(domain_)) return std::nullopt;
  std::string_view local(a.data(), at);
  if (!local.starts_with(kPrefix)) return std::nullopt;
  local.remove_prefix(kPrefix.size());
  const auto dot = local.find('.');
  if (dot != 32 || local.size() != 32 + 1 + kMacHex) return std::nullopt;
  const auto hex = local.substr(0, 32);
  const auto mac = local.substr(33);
  if (!all_hex(hex) || !all_hex(mac)) return std::nullopt;
  const auto expected = mac_(signed_text(hex)).substr(0, kMacHex);
  if (CRYPTO_memcmp(mac.data(), expected.data(), kMacHex) != 0) return std::nullopt;
  return std::string(hex.substr(0, 8)) + "-" + std::string(hex.substr(8, 4)) + "-" + std::string(hex.substr(12, 4)) +
         "-" + std::string(hex.substr(16, 4)) + "-" + std::string(hex.substr(20));
}

}  // namespace pm::mail
