#pragma once
// JSON Web Keys (RFC 7517) to OpenSSL public keys. Only what ID tokens need: RSA keys (RS256) of
// 2048 bits or more, and EC P-256 keys (ES256). Anything else in a provider's key set is skipped,
// not fatal, so one exotic key (a new algorithm, an encryption key) cannot break sign-in.

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "core/json.hpp"

namespace pm::auth::oidc {

// Frees with EVP_PKEY_free. A finished EVP_PKEY is only read by verification, which OpenSSL 3
// allows from many threads at once.
using PublicKey = std::shared_ptr<EVP_PKEY>;

enum class KeyType { rsa, ec_p256 };

struct Jwk {
  std::string kid;
  KeyType type = KeyType::rsa;
  std::string alg;  // the key's "alg" when the set states one (a token must then use exactly it)
  PublicKey key;
};

// One key; an error string says why the key is unusable.
std::expected<Jwk, std::string> parse_jwk(const Json& jwk);

struct KeySet {
  std::vector<Jwk> keys;
  std::vector<std::string> skipped;  // why each unusable key was left out, for the logs

  // Every usable key with this id (normally one; a set may reuse an id across key types).
  std::vector<const Jwk*> find(std::string_view kid) const;
};

// A JWKS document {"keys": [...]}. Malformed JSON or a missing "keys" array is an error;
// individual unusable keys only land in `skipped`.
std::expected<KeySet, std::string> parse_jwks(std::string_view document);

// RSA public key from big-endian modulus and exponent bytes; EC P-256 from 32-byte x and y.
// Exposed for tests; parse_jwk uses them.
std::expected<PublicKey, std::string> rsa_public_key(std::string_view n, std::string_view e);
std::expected<PublicKey, std::string> ec_p256_public_key(std::string_view x, std::string_view y);

}  // namespace pm::auth::oidc
