#pragma once
// The checks on an ID token's payload once its signature is known to be good (OpenID Connect
// Core 1.0 §3.1.3.7): issuer, audience, lifetime, nonce; then the identity claims we keep.

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/oidc/oidc.hpp"
#include "core/json.hpp"

namespace pm::auth::oidc {

struct ClaimRules {
  std::string_view issuer;
  const std::vector<std::string>& audiences;
  std::optional<std::string_view> nonce;
  std::chrono::seconds clock_skew;
  std::chrono::system_clock::time_point now;
};

// The identity, or a sentence saying which check failed (for the 401's detail).
std::expected<IdentityClaims, std::string> check_claims(const Json& payload, const ClaimRules& rules);

}  // namespace pm::auth::oidc
