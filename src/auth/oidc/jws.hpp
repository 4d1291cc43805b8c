#pragma once
// JWS compact serialisation (RFC 7515): splitting a token and checking its signature.
// Only RS256 (RSASSA-PKCS1-v1_5 with SHA-256) and ES256 (ECDSA P-256 with SHA-256) exist here:
// "none" and the HMAC algorithms are how forged tokens usually get in, and nothing else is
// used for ID tokens by the providers we support.

#include <expected>
#include <string>
#include <string_view>

#include "auth/oidc/jwk.hpp"
#include "core/jwt.hpp"

namespace pm::auth::oidc {

using jwt::Algorithm;  // core/jwt.hpp

struct CompactJws {
  std::string_view signing_input;  // "header.payload", exactly the bytes that were signed
  std::string_view header;         // the three segments, still base64url
  std::string_view payload;
  std::string_view signature;
};

// Splits at the two dots; any other number of segments is an error (5 would be an encrypted JWE).
std::expected<CompactJws, std::string> split_compact(std::string_view token);

// "RS256" / "ES256"; otherwise an error saying why the algorithm is refused.
std::expected<Algorithm, std::string> parse_algorithm(std::string_view alg);

// The algorithm needs a key of this type ("RS256" with an EC key is refused, and vice versa).
bool key_fits(Algorithm alg, KeyType type);

// Checks `signature` (decoded bytes; ES256 as raw r||s of 64 bytes, RFC 7518 §3.4) over
// `signing_input` with `key`. An error says what is wrong; success means the signature is valid.
std::expected<void, std::string> verify_signature(Algorithm alg, const Jwk& key, std::string_view signing_input,
                                                  std::string_view signature);

}  // namespace pm::auth::oidc
