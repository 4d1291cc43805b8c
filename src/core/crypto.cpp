#include "core/crypto.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/sha.h>

#include <sodium.h>

#include "core/text.hpp"

namespace pm::crypto {

void init() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw std::runtime_error("libsodium failed to initialise");
}

namespace {
std::string to_hex(const unsigned char* data, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}
}  // namespace

std::string sha256_hex(std::string_view data) {
  init();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return to_hex(digest.data(), digest.size());
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  init();
  crypto_auth_hmacsha256_state state;
  // The _init form takes a key of any length (secrets from the environment, SigV4's derived keys).
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::string out(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(out.data()));
  sodium_memzero(&state, sizeof state);
  return out;
}

std::string hex(std::string_view bytes) {
  return to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string base64(std::string_view bytes) {
  init();
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string seal(std::string_view key, std::string_view plaintext) {
  init();
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), nonce, reinterpret_cast<const unsigned char*>(key.data()));
  return out;
}

std::optional<std::string> open(std::string_view key, std::string_view sealed) {
  init();
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string out(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), nonce + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, nonce,
                                 reinterpret_cast<const unsigned char*>(key.data())) != 0)
    return std::nullopt;
  return out;
}

bool same_secret(std::string_view a, std::string_view b) {
  init();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_hex(std::size_t bytes) {
  init();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

namespace {
std::string format_uuid(const unsigned char* b) {
  std::string hex = to_hex(b, 16);
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                     hex.substr(20));
}
}  // namespace

bool is_uuid(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !std::isxdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

std::string canonical_uuid(std::string_view text) { return ascii_lower(text); }

std::string uuid_v5(std::string_view name) {
  // RFC 4122 section 4.3 under this project's own namespace UUID.
  static constexpr unsigned char kNamespace[16] = {0x6f, 0x1c, 0x2e, 0x8a, 0x51, 0x3d, 0x4b, 0x7e,
                                                   0x9a, 0x30, 0x52, 0x0d, 0x7c, 0x61, 0xe4, 0x15};
  std::string input(reinterpret_cast<const char*>(kNamespace), sizeof kNamespace);
  input.append(name);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  digest[6] = (digest[6] & 0x0f) | 0x50;  // version 5
  digest[8] = (digest[8] & 0x3f) | 0x80;  // RFC 4122 variant
  return format_uuid(digest);
}

std::string uuid_v4() {
  init();
  std::array<unsigned char, 16> b{};
  randombytes_buf(b.data(), b.size());
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  return format_uuid(b.data());
}

std::string uuid_v7() {
  init();
  // 48 bits of milliseconds and a 12-bit counter (rand_a, RFC 9562 §6.2 method 1), as one 60-bit
  // value that only grows: a burst of more than 4,096 ids in a millisecond borrows from the next.
  static std::atomic<std::uint64_t> last{0};
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::uint64_t prev = last.load(), next = 0;
  do next = std::max(ms << 12, prev + 1);
  while (!last.compare_exchange_weak(prev, next));
  std::array<unsigned char, 16> b{};
  randombytes_buf(b.data(), b.size());
  const std::uint64_t stamp = next >> 12, counter = next & 0xfff;
  for (int i = 0; i < 6; ++i) b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(stamp >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>(0x70 | (counter >> 8));  // version 7
  b[7] = static_cast<unsigned char>(counter & 0xff);
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  return format_uuid(b.data());
}

}  // namespace pm::crypto
