#pragma once
// ID tokens for tests: signing keys generated at run time with OpenSSL (never checked in), their
// JWKS, and tokens signed with them, well-formed or deliberately broken.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

typedef struct evp_pkey_st EVP_PKEY;

namespace pm::test::oidc {

using Json = nlohmann::json;

class TestKey {
 public:
  static TestKey rsa(std::string kid, int bits = 2048);
  static TestKey ec_p256(std::string kid);

  const std::string& kid() const { return kid_; }
  std::string alg() const { return ec_ ? "ES256" : "RS256"; }
  // The public half as a JWK: kty, kid, use "sig", alg, and n/e or crv/x/y.
  Json jwk() const;
  // The public key as PEM text (what an HS256 confusion attack uses as the "secret").
  std::string public_pem() const;
  // The private key as PKCS#8 PEM ("BEGIN PRIVATE KEY"): a client key of the providers file.
  std::string private_pem() const;
  // A JWS signature over `input`: RS256 PKCS#1 v1.5, or ES256 as raw r||s (64 bytes).
  std::string sign(std::string_view input) const;

 private:
  TestKey(std::shared_ptr<EVP_PKEY> key, std::string kid, bool ec)
      : key_(std::move(key)), kid_(std::move(kid)), ec_(ec) {}
  std::shared_ptr<EVP_PKEY> key_;
  std::string kid_;
  bool ec_ = false;
};

// {"keys": [jwk...]}
Json jwks(const std::vector<const TestKey*>& keys);
// Writes `document` to `path` (replacing it atomically, as a deployment would).
void write_file(const std::string& path, const std::string& document);

std::string b64url(std::string_view bytes);
// header.payload.signature from the parts as given (signature as raw bytes).
std::string compact(const Json& header, const Json& payload, std::string_view signature);
// Signed with `key`; the header is {"alg", "kid", "typ": "JWT"} updated with `header_changes`.
std::string sign_token(const TestKey& key, const Json& payload, const Json& header_changes = Json::object());
// HS256 over header.payload with `secret` (for the algorithm-confusion attack).
std::string sign_hs256(const Json& header, const Json& payload, std::string_view secret);

// A valid payload: iss, aud, sub, iat = now, exp = now + 10 minutes, email, names.
Json claims(const std::string& issuer, const Json& audience, const std::string& subject = "user-123");
// Seconds since the epoch, offset from now.
long long epoch_seconds(std::chrono::seconds offset = std::chrono::seconds(0));

}  // namespace pm::test::oidc
