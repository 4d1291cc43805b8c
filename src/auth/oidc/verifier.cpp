#include "auth/oidc/oidc.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "auth/oidc/claims.hpp"
#include "auth/oidc/jwks_cache.hpp"
#include "auth/oidc/jws.hpp"
#include "core/base64url.hpp"
#include "core/json.hpp"
#include "core/text.hpp"

namespace pm::auth::oidc {

namespace {

// Real ID tokens are 1-2 KB; anything much larger is not one, and is not worth decoding.
constexpr std::size_t max_token_bytes = 16 * 1024;

Problem invalid_token(std::string detail) { return Problem("invalid-id-token", std::move(detail)); }

// The name comes from the URL: not echoed back.
Problem unknown_provider() {
  return Problem("unknown-oauth-provider", "no sign-in provider of that name is configured");
}

// Decodes one base64url segment into a JSON object; `what` names it in the error.
Result<Json> decode_json_segment(std::string_view segment, std::string_view what) {
  auto bytes = base64url_decode(segment);
  if (!bytes) return std::unexpected(invalid_token(fmt::format("the token {} is not valid base64url", what)));
  auto json = parse_json(*bytes);
  if (!json) return std::unexpected(invalid_token(fmt::format("the token {} is not valid JSON", what)));
  if (!json->is_object()) return std::unexpected(invalid_token(fmt::format("the token {} is not a JSON object", what)));
  return json;
}

struct Header {
  Algorithm alg;
  std::string kid;
};

Result<Header> check_header(const Json& header) {
  auto alg_it = header.find("alg");
  if (alg_it == header.end() || !alg_it->is_string())
    return std::unexpected(invalid_token("the token header has no algorithm (alg)"));
  auto alg = parse_algorithm(alg_it->get_ref<const std::string&>());
  if (!alg) return std::unexpected(invalid_token(alg.error()));
  // "crit" lists extensions the verifier must understand (RFC 7515 §4.1.11); we understand none.
  if (header.contains("crit")) return std::unexpected(invalid_token("the token header has critical extensions (crit)"));
  // An access token ("at+jwt") or another JWT type must not pass for an ID token.
  if (auto typ = header.find("typ"); typ != header.end()) {
    if (!typ->is_string() || !(ascii_iequals(typ->get_ref<const std::string&>(), "JWT") ||
                               ascii_iequals(typ->get_ref<const std::string&>(), "application/jwt")))
      return std::unexpected(invalid_token("the token's type (typ) is not JWT"));
  }
  // "jku", "x5u" and "jwk" are ignored on purpose: keys come only from the configured JWKS.
  auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string() || kid->get_ref<const std::string&>().empty())
    return std::unexpected(invalid_token("the token header has no key id (kid)"));
  return Header{*alg, kid->get<std::string>()};
}

}  // namespace

struct Verifier::Impl {
  // (a member type, not one of this file's anonymous namespace: Impl is visible to other files)
  struct Provider {
    ProviderConfig config;
    mutable JwksCache keys;

    Provider(ProviderConfig c, const JwksPolicy& policy)
        : config(std::move(c)), keys(config.name, config.jwks, config.issuer, policy) {}
  };

  std::map<std::string, std::unique_ptr<Provider>, std::less<>> providers;
  std::chrono::seconds clock_skew;

  Result<IdentityClaims> verify(const Provider& provider, std::string_view token,
                                std::optional<std::string_view> nonce) const;
};

Verifier::Verifier(std::vector<ProviderConfig> providers, std::chrono::seconds clock_skew, JwksPolicy jwks)
    : impl_(std::make_unique<Impl>()) {
  impl_->clock_skew = clock_skew;
  for (auto& p : providers) {
    std::string name = p.name;
    impl_->providers.insert_or_assign(std::move(name), std::make_unique<Impl::Provider>(std::move(p), jwks));
  }
}

Verifier::~Verifier() = default;
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;

Result<Verifier> Verifier::from_config(const Config& config) {
  std::vector<ProviderConfig> providers;
  if (!config.oauth_providers.empty()) {
    providers = PM_TRY(load_providers(config.oauth_providers));
  }
  JwksPolicy policy{.cache_ttl = config.oauth_jwks_cache_ttl,
                    .min_refetch_interval = config.oauth_jwks_min_refetch,
                    .fetch_timeout = config.oauth_jwks_timeout};
  return Verifier(std::move(providers), std::chrono::duration_cast<std::chrono::seconds>(config.oauth_clock_skew),
                  policy);
}

bool Verifier::has_provider(std::string_view provider) const { return impl_->providers.contains(provider); }

std::size_t Verifier::jwks_fetch_count(std::string_view provider) const {
  auto it = impl_->providers.find(provider);
  return it == impl_->providers.end() ? 0 : it->second->keys.fetch_count();
}

Result<IdentityClaims> Verifier::verify(std::string_view provider, std::string_view id_token,
                                        std::optional<std::string_view> nonce) const {
  auto it = impl_->providers.find(provider);
  if (it == impl_->providers.end()) return std::unexpected(unknown_provider());
  return impl_->verify(*it->second, id_token, nonce);
}

Result<IdentityClaims> Verifier::Impl::verify(const Provider& provider, std::string_view token,
                                              std::optional<std::string_view> nonce) const {
  if (token.empty()) return std::unexpected(invalid_token("the token is empty"));
  if (token.size() > max_token_bytes)
    return std::unexpected(invalid_token(fmt::format("the token is larger than {} bytes", max_token_bytes)));
  auto jws = split_compact(token);
  if (!jws) return std::unexpected(invalid_token(jws.error()));

  auto header_json = PM_TRY(decode_json_segment(jws->header, "header"));
  auto header = PM_TRY(check_header(header_json));
  auto signature = base64url_decode(jws->signature);
  if (!signature || signature->empty())
    return std::unexpected(invalid_token("the token signature is not valid base64url"));

  auto keys = PM_TRY(provider.keys.keys_for(header.kid));
  auto candidates = keys->find(header.kid);
  if (candidates.empty()) return std::unexpected(invalid_token("unknown key id (kid): the provider has no such key"));
  auto key = std::ranges::find_if(candidates, [&](const Jwk* k) { return key_fits(header.alg, k->type); });
  if (key == candidates.end())
    return std::unexpected(invalid_token("the token's algorithm (alg) does not match the type of key it names"));
  const Jwk& jwk = **key;
  if (!jwk.alg.empty() && parse_algorithm(jwk.alg) != header.alg)
    return std::unexpected(invalid_token("the token's algorithm (alg) is not the one its key is for"));
  if (auto ok = verify_signature(header.alg, jwk, jws->signing_input, *signature); !ok)
    return std::unexpected(invalid_token(ok.error()));

  // Only now, with the bytes known to come from the provider, is the payload worth reading.
  auto payload = PM_TRY(decode_json_segment(jws->payload, "payload"));
  auto claims = check_claims(payload, ClaimRules{.issuer = provider.config.issuer,
                                                 .audiences = provider.config.audiences,
                                                 .nonce = nonce,
                                                 .clock_skew = clock_skew,
                                                 .now = std::chrono::system_clock::now()});
  if (!claims) return std::unexpected(invalid_token(claims.error()));
  return std::move(*claims);
}

}  // namespace pm::auth::oidc
