#include "subscriptions/signature.hpp"

#include <charconv>
#include <vector>

#include <sodium.h>

#include "core/crypto.hpp"

namespace pm::subscriptions {

namespace {

Problem signature_refused(std::string detail) { return Problem("unauthenticated", std::move(detail)); }

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string sign_payload(std::string_view secret, std::int64_t t, std::string_view body) {
  std::string signed_text = std::to_string(t) + "." + std::string(body);
  return "t=" + std::to_string(t) + ",v1=" + crypto::hex(crypto::hmac_sha256(secret, signed_text));
}

Result<void> verify_signature(std::string_view header, std::string_view body, std::string_view secret, std::int64_t now,
                              std::chrono::seconds tolerance) {
  // Without a secret nothing can be verified, so every event is refused: the sender is told it is
  // not trusted (401), as with a wrong signature, rather than a 5xx that says we are broken.
  if (secret.empty())
    return std::unexpected(signature_refused("this server has no webhook secret configured: it accepts no events"));
  if (header.empty()) return std::unexpected(signature_refused("the Stripe-Signature header is missing"));
  std::optional<std::int64_t> t;
  std::vector<std::string_view> v1;
  std::string_view rest = header;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    auto key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "t") {
      std::int64_t parsed = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (ec != std::errc() || end != value.data() + value.size())
        return std::unexpected(signature_refused("the Stripe-Signature timestamp is not a number"));
      t = parsed;
    } else if (key == "v1") {
      v1.push_back(value);
    }
  }
  if (!t) return std::unexpected(signature_refused("the Stripe-Signature header has no timestamp (t=)"));
  if (v1.empty()) return std::unexpected(signature_refused("the Stripe-Signature header has no v1 signature"));
  const std::string expected = crypto::hex(crypto::hmac_sha256(secret, std::to_string(*t) + "." + std::string(body)));
  bool matched = false;
  for (auto candidate : v1) matched = equal_constant_time(expected, candidate) || matched;  // look at every one
  if (!matched) return std::unexpected(signature_refused("no Stripe-Signature v1 signature matches the body"));
  if (*t < now - tolerance.count() || *t > now + tolerance.count())
    return std::unexpected(signature_refused("the Stripe-Signature timestamp is outside the tolerance window"));
  return {};
}

}  // namespace pm::subscriptions
