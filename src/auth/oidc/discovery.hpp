#pragma once
// A provider's discovery document (OpenID Connect Discovery 1.0): <issuer>/.well-known/openid-configuration.
// Both the browser's code flow (its endpoints) and the ID-token verifier (its key set's `jwks_uri`,
// when the providers file names no `jwks`) read it through here.

#include <chrono>
#include <expected>
#include <string>
#include <string_view>

#include "core/json.hpp"

namespace pm::auth::oidc {

// The document, checked to be a JSON object naming exactly the configured issuer (Discovery §4.3:
// otherwise anyone able to answer at that URL could speak for another provider); an error for the
// logs otherwise.
std::expected<Json, std::string> fetch_discovery(std::string_view issuer, std::chrono::milliseconds timeout);

// True when the member is an array holding the string `value`.
bool lists(const Json& doc, const char* name, std::string_view value);

}  // namespace pm::auth::oidc
