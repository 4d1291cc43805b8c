#pragma once
// OpenID Connect ID token verification: "sign in with Google/Apple/..." (docs/oauth.md).
// The accounts service hands us the ID token a client got from a provider; we check it was signed
// by that provider's key, for us, recently, and return who it says the user is.
//
// Every refusal is a Problem: 404 "unknown-oauth-provider" for a provider we are not configured
// for, 401 "invalid-id-token" (detail says why) for any bad token, 503 "oauth-provider-unavailable"
// when the provider's keys have never been loadable.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/problem.hpp"

namespace pm::jwt {
struct SigningKey;  // core/jwt.hpp
}  // namespace pm::jwt

namespace pm::auth::oidc {

using jwt::SigningKey;

struct ProviderConfig {
  std::string name;                    // "google", "apple", "test" ... (the {provider} path segment)
  std::string issuer;                  // expected "iss"
  std::vector<std::string> audiences;  // accepted "aud" values (client ids)
  std::string jwks;                    // file path or http(s) URL of the provider's JWKS; empty: discovery's jwks_uri
  // The browser's sign-in (code_flow.hpp); empty client_id: ID tokens only (POST /auth/oauth/{provider}).
  std::string display_name;   // as the web app's button says it ("Google"); default: name
  std::string client_id;      // our client id at the provider (also an accepted audience)
  std::string client_secret;  // from the environment variable the file names; empty: a public client
  // The client's private key (client_auth.hpp): private_key_jwt at the token endpoint, or, with
  // apple_team_id, the key that signs Apple's client secret. Null: client_secret (or a public client).
  std::shared_ptr<const SigningKey> client_key;
  std::string apple_team_id;
  std::string scopes = "openid email profile";
  bool form_post = false;  // response_mode=form_post: the provider returns with a POST to the callback
};

struct IdentityClaims {
  std::string subject;  // "sub"
  std::string email;    // may be empty
  bool email_verified = false;
  std::string given_name, family_name;  // may be empty
};

// How provider key sets are cached and fetched (see jwks_cache.hpp for the rules).
struct JwksPolicy {
  std::chrono::milliseconds cache_ttl{std::chrono::hours(1)};
  std::chrono::milliseconds min_refetch_interval{std::chrono::seconds(30)};
  std::chrono::milliseconds fetch_timeout{std::chrono::seconds(5)};
  std::size_t max_document_bytes = 1 << 20;
};

class Verifier {
 public:
  explicit Verifier(std::vector<ProviderConfig> providers, std::chrono::seconds clock_skew = std::chrono::seconds(60),
                    JwksPolicy jwks = {});
  ~Verifier();
  Verifier(Verifier&&) noexcept;
  Verifier& operator=(Verifier&&) noexcept;

  // Providers from PM_OAUTH_PROVIDERS (none when it is empty) with the PM_OAUTH_* cache settings.
  static Result<Verifier> from_config(const Config& config);

  // Checks the JWS signature (RS256 and ES256 only; "none", HS*, and anything else refused) against the
  // provider's JWKS by "kid", then iss, aud (string or array), exp, nbf/iat (with skew), and nonce when one is given.
  // Thread-safe.
  Result<IdentityClaims> verify(std::string_view provider, std::string_view id_token,
                                std::optional<std::string_view> nonce) const;

  bool has_provider(std::string_view provider) const;
  // JWKS fetches attempted for a provider so far (0 for an unknown one): for tests and metrics.
  std::size_t jwks_fetch_count(std::string_view provider) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Providers from config: PM_OAUTH_PROVIDERS = a path to a JSON file [{"name","issuer","audiences":[...],["jwks"],
// "client_id","client_secret_env" | "client_key_env"/"client_key_file","client_key_id","apple_team_id","scopes",
// "response_mode"}] (format in docs/oauth.md). Relative "jwks" and "client_key_file" paths are taken relative to
// that file's folder; secrets and keys are read from the environment variable (or key file) named, never from it.
Result<std::vector<ProviderConfig>> load_providers(const std::string& path);

}  // namespace pm::auth::oidc
