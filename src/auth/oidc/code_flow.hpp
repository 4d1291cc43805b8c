#pragma once
// The browser's "Sign in with <provider>": OpenID Connect's authorization code flow with PKCE
// (RFC 7636), the protocol half. The provider's endpoints come from its discovery document
// (<issuer>/.well-known/openid-configuration), fetched on first use and kept like key sets; the
// code is redeemed at the token endpoint with the client secret as the document allows
// (client_secret_basic, else client_secret_post; Apple's secret is a JWT signed here), with a
// private_key_jwt assertion when the provider has a client key (client_auth.hpp), or as a public
// client with PKCE alone. A form_post provider is asked for response_mode=form_post.
// What the flow keeps between the two legs (state, nonce, verifier) and who signs in is the
// accounts service's (auth/service.cpp); the ID token is checked by Verifier like any other.
//
// Problems: 404 "unknown-oauth-provider" (no such provider, or one without a client_id),
// 503 "oauth-provider-unavailable" (no usable discovery document), 502 "oauth-token-exchange-failed",
// 502 "oauth-provider-error" (a response from another issuer than the provider's).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/oidc/oidc.hpp"

namespace pm::auth::oidc {

struct AuthorizationRequest {
  std::string redirect_uri;
  std::string state;
  std::string nonce;
  std::string code_challenge;  // BASE64URL(SHA-256(verifier)), method S256
};

// A random PKCE code verifier (43 characters of base64url) and its S256 challenge.
struct Pkce {
  std::string verifier, challenge;
  static Pkce make();
};

class CodeFlow {
 public:
  CodeFlow(std::vector<ProviderConfig> providers, std::chrono::milliseconds cache_ttl,
           std::chrono::milliseconds timeout);
  ~CodeFlow();
  CodeFlow(CodeFlow&&) noexcept;
  CodeFlow& operator=(CodeFlow&&) noexcept;

  // The providers of PM_OAUTH_PROVIDERS with the PM_OAUTH_* cache settings.
  static Result<CodeFlow> from_config(const Config& config);

  // The providers a browser can sign in with (those with a client_id), in file order.
  struct Listed {
    std::string name, display_name;
  };
  std::vector<Listed> providers() const;

  // Where to send the browser: the authorization endpoint with the request's parameters.
  Result<std::string> authorization_url(std::string_view provider, const AuthorizationRequest& request) const;

  // RFC 9207's defence against a mix-up of providers: the authorization response's `iss` (nullopt
  // when it has none) must be the provider's issuer, and must be there when the provider's
  // discovery document says it always sends it. Checked before the code goes to any token endpoint.
  Result<void> check_issuer(std::string_view provider, std::optional<std::string_view> iss) const;
  // Redeems an authorization code; the answer is the provider's ID token (still to be verified).
  Result<std::string> redeem(std::string_view provider, std::string_view code, std::string_view redirect_uri,
                             std::string_view code_verifier) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pm::auth::oidc
