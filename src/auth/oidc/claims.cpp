#include "auth/oidc/claims.hpp"

#include <algorithm>

#include <openssl/crypto.h>

namespace pm::auth::oidc {

namespace {

using Unexpected = std::unexpected<std::string>;

// OpenID Connect: "sub" is at most 255 ASCII characters.
constexpr std::size_t max_subject = 255;
// Names and emails we copy into the account; longer values are not real ones.
constexpr std::size_t max_text_claim = 320;

const Json* member(const Json& object, const char* name) {
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

// An optional text claim: absent, null, a non-string or an absurdly long value all read as "".
std::string text_claim(const Json& payload, const char* name) {
  const Json* v = member(payload, name);
  if (!v || !v->is_string() || v->get_ref<const std::string&>().size() > max_text_claim) return {};
  return v->get<std::string>();
}

bool audience_matches(const Json& aud, const std::vector<std::string>& accepted) {
  auto ok = [&](const Json& v) {
    return v.is_string() &&
           std::find(accepted.begin(), accepted.end(), v.get_ref<const std::string&>()) != accepted.end();
  };
  if (aud.is_string()) return ok(aud);
  if (aud.is_array()) return std::any_of(aud.begin(), aud.end(), ok);
  return false;
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::expected<IdentityClaims, std::string> check_claims(const Json& payload, const ClaimRules& rules) {
  if (!payload.is_object()) return Unexpected("the token payload is not a JSON object");

  const Json* iss = member(payload, "iss");
  if (!iss || !iss->is_string()) return Unexpected("the token has no issuer (iss)");
  if (*iss != rules.issuer) return Unexpected("the token's issuer (iss) is not this provider's");

  const Json* aud = member(payload, "aud");
  if (!aud) return Unexpected("the token has no audience (aud)");
  if (!audience_matches(*aud, rules.audiences))
    return Unexpected("the token's audience (aud) is not this service: wrong audience");

  // NumericDate may be fractional (RFC 7519 §2); comparing as doubles also survives absurd values.
  const double now = std::chrono::duration<double>(rules.now.time_since_epoch()).count();
  const double skew = static_cast<double>(rules.clock_skew.count());
  const Json* exp = member(payload, "exp");
  if (!exp || !exp->is_number()) return Unexpected("the token has no expiry time (exp)");
  if (now >= exp->get<double>() + skew) return Unexpected("the token has expired (exp is in the past)");
  if (const Json* nbf = member(payload, "nbf")) {
    if (!nbf->is_number()) return Unexpected("the token's not-before time (nbf) is not a number");
    if (nbf->get<double>() > now + skew) return Unexpected("the token is not yet valid (nbf is in the future)");
  }
  const Json* iat = member(payload, "iat");
  if (!iat || !iat->is_number()) return Unexpected("the token has no issue time (iat)");
  if (iat->get<double>() > now + skew) return Unexpected("the token is not yet valid (iat is in the future)");

  if (rules.nonce) {
    // The nonce ties the token to the sign-in this client started: without it a token stolen
    // from another session could be replayed here.
    const Json* nonce = member(payload, "nonce");
    if (!nonce || !nonce->is_string()) return Unexpected("the token has no nonce, but one was expected");
    if (!same(nonce->get_ref<const std::string&>(), *rules.nonce))
      return Unexpected("the token's nonce does not match");
  }

  IdentityClaims claims;
  const Json* sub = member(payload, "sub");
  if (!sub || !sub->is_string() || sub->get_ref<const std::string&>().empty())
    return Unexpected("the token has no subject (sub)");
  if (sub->get_ref<const std::string&>().size() > max_subject)
    return Unexpected("the token's subject (sub) is longer than 255 characters");
  claims.subject = sub->get<std::string>();
  claims.email = text_claim(payload, "email");
  // Apple sends email_verified as the string "true"; Google as a boolean.
  if (const Json* v = member(payload, "email_verified"))
    claims.email_verified = (v->is_boolean() && v->get<bool>()) || (v->is_string() && *v == "true");
  if (claims.email.empty()) claims.email_verified = false;
  claims.given_name = text_claim(payload, "given_name");
  claims.family_name = text_claim(payload, "family_name");
  return claims;
}

}  // namespace pm::auth::oidc
