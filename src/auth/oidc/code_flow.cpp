#include "auth/oidc/code_flow.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "auth/oidc/client_auth.hpp"
#include "auth/oidc/discovery.hpp"
#include "core/base64url.hpp"
#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "core/json.hpp"
#include "core/log.hpp"

namespace pm::auth::oidc {

namespace {

Problem no_browser_provider() {
  return Problem("unknown-oauth-provider", "no sign-in provider of that name is configured");
}

Problem discovery_unavailable() {
  return Problem("oauth-provider-unavailable", "the sign-in provider cannot be reached; try again later");
}

// The endpoints of a provider's discovery document this flow uses.
struct Endpoints {
  std::string authorization, token;
  bool secret_in_body = false;  // client_secret_post rather than client_secret_basic
  bool sends_iss = false;       // RFC 9207: every authorization response carries `iss`
};

// The endpoints of the (issuer-checked) document, which must be ones this process may call.
std::expected<Endpoints, std::string> parse_discovery(const Json& doc) {
  Endpoints e{.authorization = string_member(doc, "authorization_endpoint"),
              .token = string_member(doc, "token_endpoint"),
              .sends_iss = doc.contains("authorization_response_iss_parameter_supported") &&
                           doc["authorization_response_iss_parameter_supported"] == true};
  for (const auto* url : {&e.authorization, &e.token})
    if (auto why = http_client::refusal(*url)) return std::unexpected("an endpoint cannot be used: " + *why);
  if (doc.contains("code_challenge_methods_supported") && !lists(doc, "code_challenge_methods_supported", "S256"))
    return std::unexpected("the provider does not support PKCE with S256");
  // Absent means client_secret_basic (Discovery §3); use post only when basic is not offered.
  if (doc.contains("token_endpoint_auth_methods_supported"))
    e.secret_in_body = !lists(doc, "token_endpoint_auth_methods_supported", "client_secret_basic") &&
                       lists(doc, "token_endpoint_auth_methods_supported", "client_secret_post");
  return e;
}

}  // namespace

Pkce Pkce::make() {
  Pkce p{.verifier = crypto::random_hex(32), .challenge = {}};  // 64 unreserved characters (RFC 7636 §4.1)
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(p.verifier.data()), p.verifier.size(), digest);
  p.challenge = base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
  return p;
}

struct CodeFlow::Impl {
  // (a member type, not the anonymous namespace's Endpoints: Impl is visible to other files)
  struct Held {
    std::string authorization, token;
    bool secret_in_body = false;
    bool sends_iss = false;
    std::chrono::steady_clock::time_point fetched;
  };
  std::vector<ProviderConfig> providers;
  std::chrono::milliseconds cache_ttl, timeout;
  mutable std::mutex mutex;                       // guards `endpoints`
  mutable std::map<std::string, Held> endpoints;  // by provider name

  const ProviderConfig* find(std::string_view name) const {
    auto it = std::ranges::find_if(providers, [&](const auto& p) { return p.name == name && !p.client_id.empty(); });
    return it == providers.end() ? nullptr : &*it;
  }

  // The provider's endpoints, from the cache or fetched now. A failed fetch keeps what was held.
  Result<Held> endpoints_of(const ProviderConfig& p) const {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(mutex);
      auto it = endpoints.find(p.name);
      if (it != endpoints.end() && now - it->second.fetched < cache_ttl) return it->second;
    }
    auto doc = fetch_discovery(p.issuer, timeout);
    auto parsed = doc ? parse_discovery(*doc) : std::unexpected(doc.error());
    std::lock_guard lock(mutex);
    if (!parsed) {
      log::warn("oidc_discovery_failed", {{"provider", p.name}, {"error", parsed.error()}});
      auto it = endpoints.find(p.name);
      if (it != endpoints.end()) return it->second;
      return std::unexpected(discovery_unavailable());
    }
    return endpoints[p.name] = Held{.authorization = parsed->authorization,
                                    .token = parsed->token,
                                    .secret_in_body = parsed->secret_in_body,
                                    .sends_iss = parsed->sends_iss,
                                    .fetched = now};
  }
};

CodeFlow::CodeFlow(std::vector<ProviderConfig> providers, std::chrono::milliseconds cache_ttl,
                   std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->providers = std::move(providers);
  impl_->cache_ttl = cache_ttl;
  impl_->timeout = timeout;
}
CodeFlow::~CodeFlow() = default;
CodeFlow::CodeFlow(CodeFlow&&) noexcept = default;
CodeFlow& CodeFlow::operator=(CodeFlow&&) noexcept = default;

Result<CodeFlow> CodeFlow::from_config(const Config& config) {
  std::vector<ProviderConfig> providers;
  if (!config.oauth_providers.empty()) providers = PM_TRY(load_providers(config.oauth_providers));
  return CodeFlow(std::move(providers), config.oauth_jwks_cache_ttl, config.oauth_jwks_timeout);
}

std::vector<CodeFlow::Listed> CodeFlow::providers() const {
  std::vector<Listed> listed;
  for (const auto& p : impl_->providers)
    if (!p.client_id.empty()) listed.push_back({p.name, p.display_name});
  return listed;
}

Result<std::string> CodeFlow::authorization_url(std::string_view provider, const AuthorizationRequest& r) const {
  const auto* p = impl_->find(provider);
  if (!p) return std::unexpected(no_browser_provider());
  auto endpoints = PM_TRY(impl_->endpoints_of(*p));
  const char separator = endpoints.authorization.find('?') == std::string::npos ? '?' : '&';
  std::vector<std::pair<std::string, std::string>> query{{"response_type", "code"},
                                                         {"client_id", p->client_id},
                                                         {"redirect_uri", r.redirect_uri},
                                                         {"scope", p->scopes},
                                                         {"state", r.state},
                                                         {"nonce", r.nonce},
                                                         {"code_challenge", r.code_challenge},
                                                         {"code_challenge_method", "S256"}};
  if (p->form_post) query.emplace_back("response_mode", "form_post");
  return endpoints.authorization + separator + http_client::form_encode(query);
}

Result<void> CodeFlow::check_issuer(std::string_view provider, std::optional<std::string_view> iss) const {
  const auto* p = impl_->find(provider);
  if (!p) return std::unexpected(no_browser_provider());
  auto endpoints = PM_TRY(impl_->endpoints_of(*p));
  auto mixed_up = [&](const char* why) {
    log::warn("oidc_issuer_mismatch", {{"provider", p->name}, {"error", why}});
    return std::unexpected(Problem("oauth-provider-error",
                                   "the sign-in answer did not come from the provider it was "
                                   "sent to; please start again"));
  };
  if (iss && *iss != p->issuer) return mixed_up("the response's iss names another issuer");
  if (!iss && endpoints.sends_iss) return mixed_up("the response has no iss, which the provider always sends");
  return {};
}

Result<std::string> CodeFlow::redeem(std::string_view provider, std::string_view code, std::string_view redirect_uri,
                                     std::string_view code_verifier) const {
  const auto* p = impl_->find(provider);
  if (!p) return std::unexpected(no_browser_provider());
  auto endpoints = PM_TRY(impl_->endpoints_of(*p));
  std::vector<std::pair<std::string, std::string>> form{{"grant_type", "authorization_code"},
                                                        {"code", std::string(code)},
                                                        {"redirect_uri", std::string(redirect_uri)},
                                                        {"code_verifier", std::string(code_verifier)},
                                                        {"client_id", p->client_id}};
  std::vector<std::string> headers{"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  const auto now = std::chrono::system_clock::now();
  // Apple's client secret is a JWT we sign; any other key means private_key_jwt.
  const auto secret = p->client_key && !p->apple_team_id.empty()
                          ? apple_client_secret(*p->client_key, p->apple_team_id, p->client_id, now)
                          : p->client_secret;
  if (p->client_key && p->apple_team_id.empty()) {
    form.emplace_back("client_assertion_type", kClientAssertionType);
    form.emplace_back("client_assertion", client_assertion(*p->client_key, p->client_id, endpoints.token, now));
  } else if (!secret.empty() && endpoints.secret_in_body) {
    form.emplace_back("client_secret", secret);
  } else if (!secret.empty()) {
    // RFC 6749 §2.3.1: each part form-encoded, then joined by ':' and base64'd.
    auto credentials = http_client::form_encode({{p->client_id, secret}});
    credentials.replace(credentials.find('='), 1, ":");
    headers.push_back("Authorization: Basic " + crypto::base64(credentials));
  }
  const auto body = http_client::form_encode(form);
  auto failed = [&](const std::string& why) {
    log::warn("oidc_token_exchange_failed", {{"provider", p->name}, {"error", why}});
    return std::unexpected(
        Problem("oauth-token-exchange-failed", "the sign-in provider did not accept the sign-in; please try again"));
  };
  auto answer = http_client::send({.method = "POST", .url = endpoints.token, .headers = headers, .body = body},
                                  {.connect_timeout = impl_->timeout, .timeout = impl_->timeout, .max_body = 1 << 20});
  if (!answer) return failed(answer.error().detail);
  auto doc = parse_json(answer->body);
  if (answer->status != 200 || !doc || !doc->is_object()) {
    // The OAuth error code is the provider's fixed vocabulary ("invalid_grant"): safe to log.
    auto code_name = doc && doc->is_object() ? string_member(*doc, "error") : std::string();
    return failed(fmt::format("HTTP {} {}", answer->status, code_name));
  }
  auto id_token = string_member(*doc, "id_token");
  if (id_token.empty()) return failed("the answer has no id_token");
  return id_token;
}

}  // namespace pm::auth::oidc
