#pragma once
// oidc-provider, a certified OpenID Provider (Node.js, from the npm registry; ./pm test installs it
// into tests/oidc/node_modules with `npm ci`), on a free loopback port, run by
// tests/oidc/provider.mjs, which also plays the browser's part of a sign-in with plain HTTP.
// No Node.js or no oidc-provider is an error that fails the test, never a skip.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "support/processes.hpp"

namespace pm::test {

class OidcProvider {
 public:
  // `clients`: oidc-provider client metadata (client_id, client_secret, redirect_uris, ...).
  explicit OidcProvider(const nlohmann::json& clients);
  ~OidcProvider();
  OidcProvider(const OidcProvider&) = delete;
  OidcProvider& operator=(const OidcProvider&) = delete;

  std::string issuer() const;  // http://127.0.0.1:<port>
  std::string jwks_url() const { return issuer() + "/jwks"; }

  // What a browser brings back from the provider: the callback URL the provider redirected to
  // (path and query only: the same server's) and the flow cookie our start set. With
  // response_mode=form_post: the URL the provider's page POSTs to, and that form's fields.
  struct Return {
    std::string callback;
    std::string flow_cookie;
    nlohmann::json form = nlohmann::json::object();  // empty: a redirect
  };
  struct Options {
    bool deny = false;                 // abort at the provider's form (denied consent)
    std::optional<std::string> nonce;  // a browser that changes the nonce of the request
  };
  // Opens `start_url`, signs in at the provider as `login` and consents (or not).
  Return sign_in(const std::string& start_url, const std::string& login, const Options& options);
  // The provider signs with a new key from now on; returns its key id.
  std::string rotate_keys();
  // The provider's output so far (for failure messages).
  std::string log() const;

 private:
  std::uint16_t port_ = 0;
  std::filesystem::path log_;
  std::unique_ptr<Process> process_;
};

}  // namespace pm::test
