#pragma once
// JWTs this service signs itself, to prove who it is at a provider's token endpoint:
// - private_key_jwt (RFC 7523 §2.2, OpenID Connect Core §9): a short-lived assertion in place of a
//   client secret, signed with a private key whose public half the provider holds;
// - Apple's client secret, which is a JWT too (ES256, signed with the key made in Apple's developer
//   console), sent as an ordinary client_secret.
// Same key type, same signing; only the claims differ. The key is read once at start-up
// (providers.cpp) from the environment or a file, never from the providers file itself.

#include <chrono>
#include <string>
#include <string_view>

#include "auth/oidc/jws.hpp"
#include "core/json.hpp"
#include "core/jwt.hpp"

namespace pm::auth::oidc {

// The signing itself is core/jwt (shared with Web Push's VAPID tokens).
using jwt::parse_signing_key;
using jwt::sign_jwt;
using jwt::SigningKey;

using SystemTime = std::chrono::system_clock::time_point;

// The client_assertion of private_key_jwt: iss = sub = client_id, aud = the token endpoint it is sent
// to (OpenID Connect Core §9), a random jti (the provider refuses a jti it has seen), iat, exp 60 s later.
std::string client_assertion(const SigningKey& key, std::string_view client_id, std::string_view token_endpoint,
                             SystemTime now);
inline constexpr std::string_view kClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// Apple's client secret: iss = the team id, sub = the client (Services) id, aud = https://appleid.apple.com,
// iat, exp. Apple accepts up to 6 months; one is made for each code redeemed, so 5 minutes suffice.
std::string apple_client_secret(const SigningKey& key, std::string_view team_id, std::string_view client_id,
                                SystemTime now);
inline constexpr std::string_view kAppleAudience = "https://appleid.apple.com";

}  // namespace pm::auth::oidc
