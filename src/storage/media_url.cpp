#include "storage/media_url.hpp"

#include <array>
#include <charconv>

#include <fmt/format.h>
#include <sodium.h>

#include "core/crypto.hpp"
#include "core/log.hpp"

namespace pm::storage {

namespace {

// The MAC (raw) over the key and the expiry, separated so neither can bleed into the other.
std::string mac(std::string_view secret, std::string_view key, std::int64_t expires) {
  return crypto::hmac_sha256(secret, fmt::format("{}\n{}", key, expires));
}

}  // namespace

MediaUrlSigner::MediaUrlSigner(std::string secret) : secret_(std::move(secret)) {
  if (secret_.empty()) {
    secret_ = crypto::random_hex(32);
    log::warn("media-url-secret-generated",
              {{"detail",
                "PM_MEDIA_URL_SECRET is not set: signed media URLs will stop working when this process "
                "restarts and are not valid on other server processes"}});
  }
}

std::string MediaUrlSigner::signature(std::string_view key, std::int64_t expires_unix) const {
  return crypto::hex(mac(secret_, key, expires_unix));
}

std::string MediaUrlSigner::url(const std::string& key, std::int64_t expires_unix) const {
  return fmt::format("/media/{}?expires={}&sig={}", key, expires_unix, signature(key, expires_unix));
}

Result<std::chrono::seconds> MediaUrlSigner::verify(std::string_view key, std::string_view expires,
                                                    std::string_view sig, Clock::time_point now) const {
  std::int64_t at = 0;
  auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), at);
  if (expires.empty() || ec != std::errc{} || end != expires.data() + expires.size() || at < 0)
    return std::unexpected(Problem("media-url-invalid", "the URL's expires parameter is missing or not a number"));

  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> given{};
  std::size_t given_len = 0;
  if (sig.size() != given.size() * 2 ||
      sodium_hex2bin(given.data(), given.size(), sig.data(), sig.size(), nullptr, &given_len, nullptr) != 0 ||
      given_len != given.size())
    return std::unexpected(Problem("media-url-invalid", "the URL's sig parameter is missing or malformed"));

  auto expected = mac(secret_, key, at);
  if (sodium_memcmp(given.data(), expected.data(), expected.size()) != 0)
    return std::unexpected(Problem("media-url-invalid",
                                   "the URL's signature does not match: it was altered or not issued by this service"));

  auto remaining = std::chrono::seconds(at) - std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  if (remaining.count() <= 0)
    return std::unexpected(Problem("media-url-expired", "the URL has expired: ask the API for a fresh one"));
  return remaining;
}

}  // namespace pm::storage
