#pragma once
// The cryptography of Web Push, on OpenSSL 3 (EVP); no primitive is written here:
// - the payload encryption of RFC 8291 with the aes128gcm content coding of RFC 8188: ECDH on
//   P-256 with a key pair made for each message, HKDF-SHA-256 as RFC 8291 §3.3-3.4 says, one
//   record (rs 4096) whose padding delimiter is 0x02;
// - the VAPID authorisation of RFC 8292: an ES256 JWT (core/jwt) for the push service's origin,
//   sent as `Authorization: vapid t=<JWT>, k=<public key>`.
// tests/unit/push_crypto_test.cpp checks the encryption against RFC 8291 Appendix A.

#include <chrono>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "core/jwt.hpp"

namespace pm::notifications::push {

inline constexpr std::size_t kP256PointBytes = 65;  // 0x04 || X || Y
inline constexpr std::size_t kAuthSecretBytes = 16;
// The largest plaintext one 4096-byte record holds: 4096 - 16 (tag) - 1 (delimiter).
inline constexpr std::size_t kMaxPlaintext = 4079;

using Key = std::shared_ptr<EVP_PKEY>;

// A P-256 public key from its 65-byte uncompressed point; nullopt unless it is one, on the curve.
std::optional<Key> p256_public_key(std::string_view point);
// A P-256 key pair from its 32-byte private scalar and 65-byte public point (fixed test keys).
std::optional<Key> p256_key_pair(std::string_view private_scalar, std::string_view public_point);
// A fresh P-256 key pair; and the 65-byte uncompressed point of a key's public half.
Key new_p256_key();
std::string public_point(const Key& key);

// The aes128gcm body of a push message for a subscription's keys (`ua_public`: p256dh decoded,
// `auth_secret`: auth decoded), with a fresh sender key and salt. An error when the keys are not
// usable or the plaintext exceeds kMaxPlaintext.
std::expected<std::string, std::string> encrypt(std::string_view plaintext, std::string_view ua_public,
                                                std::string_view auth_secret);
// The same with the sender key pair and the 16-byte salt given: RFC 8291's test vector.
std::expected<std::string, std::string> encrypt_with(std::string_view plaintext, std::string_view ua_public,
                                                     std::string_view auth_secret, const Key& sender,
                                                     std::string_view salt);

// https://push.example.net:8443/x/y -> https://push.example.net:8443 (the JWT's aud); empty if not a URL.
std::string origin_of(std::string_view url);

// The application server's VAPID identity: an EC P-256 signing key, its public point as
// base64url (the browser's applicationServerKey), and the contact (mailto: or https:).
struct Vapid {
  jwt::SigningKey key;
  std::string public_key;  // base64url of the 65-byte point
  std::string subject;
};
// From a PEM private key (perfectmatch keys vapid) and the contact; an error says what is wrong.
std::expected<Vapid, std::string> load_vapid(std::string_view pem, std::string subject);
// `vapid t=<JWT>, k=<public key>` for a request to `endpoint`: aud its origin, exp 12 h from `now`
// (RFC 8292 allows up to 24 h), sub the contact.
std::string vapid_authorization(const Vapid& vapid, std::string_view endpoint,
                                std::chrono::system_clock::time_point now);
// A new VAPID key pair: the private key as PKCS#8 PEM, and the public point as base64url.
struct NewVapidKey {
  std::string private_pem;
  std::string public_key;
};
NewVapidKey new_vapid_key();

}  // namespace pm::notifications::push
