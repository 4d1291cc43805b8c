#pragma once
// JWTs this service signs itself (RFC 7519, compact JWS): the OpenID client's private_key_jwt
// assertion and Apple's client secret (auth/oidc/client_auth.hpp), and Web Push's VAPID token
// (notifications/push_crypto.hpp). RS256 and ES256 only, the two the receivers ask for.

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "core/json.hpp"

namespace pm::jwt {

enum class Algorithm { rs256, es256 };

struct SigningKey {
  std::shared_ptr<EVP_PKEY> key;  // a private key: RSA of 2048 bits or more (RS256), or EC P-256 (ES256)
  Algorithm alg = Algorithm::rs256;
  std::string kid;  // the header's "kid" when set: which of the signer's keys the receiver should use
};

// A PEM private key (PKCS#8 "BEGIN PRIVATE KEY", as Apple's .p8 files; or the traditional RSA/EC
// forms). An error says why the key is unusable, never quoting it.
std::expected<SigningKey, std::string> parse_signing_key(std::string_view pem, std::string kid);

// header.payload.signature: header {"alg", "typ": "JWT", "kid" when the key has one}, payload `claims`,
// the signature RS256 or ES256 (raw r||s, RFC 7518 §3.4) by the key's type.
std::string sign_jwt(const SigningKey& key, const Json& claims);

}  // namespace pm::jwt
