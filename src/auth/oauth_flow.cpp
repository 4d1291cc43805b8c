// The browser's sign-in with a provider: the accounts service's half of the authorization code
// flow (the protocol is auth/oidc/code_flow.*). What it guards against:
// - a forged or replayed callback: the state names a Redis record made by our start, deleted on
//   first use (GETDEL), gone after kOAuthFlowTtl;
// - login CSRF (an attacker's own callback, or handoff code, opened in a victim's browser): both
//   records hold the SHA-256 of a secret that only the browser which started the flow has, in
//   a cookie;
// - a code stolen on its way back: PKCE (the verifier never leaves this server);
// - an ID token replayed from another sign-in: the nonce stored with the state must be in it.

#include <fmt/format.h>

#include "auth/service.hpp"
#include "core/base64url.hpp"
#include "core/client_address.hpp"
#include "core/crypto.hpp"
#include "core/time.hpp"

namespace pm::auth {

namespace {

Problem state_invalid() {
  return Problem("oauth-state-invalid",
                 "this sign-in expired, was already used, or was started in another browser; please start again");
}

std::string flow_key(std::string_view state) { return "oauth:flow:" + crypto::sha256_hex(state); }
std::string name_key(std::string_view state) { return "oauth:flow-name:" + crypto::sha256_hex(state); }
std::string handoff_key(std::string_view code) { return "oauth:handoff:" + crypto::sha256_hex(code); }
// The handoff's box is sealed with a key derived from its code: Redis alone cannot open it.
std::string handoff_box_key(std::string_view code) { return crypto::hmac_sha256("pm-oauth-handoff", code); }

bool same_browser(const Json& record, std::string_view binding) {
  return !binding.empty() && record.value("binding", "") == crypto::sha256_hex(binding);
}

std::string redirect_uri(const Config& config, std::string_view provider) {
  auto base = config.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return fmt::format("{}/api/v1/auth/oauth/{}/callback", base, provider);
}

// Takes a single-use record: whoever gets it first is the only one who ever will.
Result<std::optional<Json>> take(cache::RedisPool& redis, const std::string& key) {
  auto reply = PM_TRY(redis.command({"GETDEL", key}));
  if (reply.is_nil() || reply.is_error()) return std::optional<Json>();
  auto json = parse_json(reply.str());
  if (!json || !json->is_object()) return std::optional<Json>();
  return std::optional<Json>(std::move(*json));
}

Result<void> put(cache::RedisPool& redis, const std::string& key, const Json& value, std::chrono::seconds ttl) {
  PM_TRY(cache::succeeded(redis.command({"SET", key, value.dump(), "EX", std::to_string(ttl.count())})));
  return {};
}

}  // namespace

Result<Service::OAuthStarted> Service::oauth_start(std::string_view provider, std::optional<ProfileBasics> signup,
                                                   const ClientInfo& client) {
  // Each start keeps a record in Redis for the flow's lifetime: counted per client, so a flood of
  // GETs cannot fill the Redis that sessions and every other limit live in.
  PM_TRY(limit("ratelimit:auth:oauth-start:ip:" + client_key(client.ip),
               {d_.config.login_limit_per_ip, d_.config.login_window}, "sign-in attempts"));
  const auto state = crypto::random_hex(32), nonce = crypto::random_hex(32), binding = crypto::random_hex(32);
  const auto pkce = oidc::Pkce::make();
  auto url = PM_TRY(d_.oidc_flow.authorization_url(provider, {.redirect_uri = redirect_uri(d_.config, provider),
                                                              .state = state,
                                                              .nonce = nonce,
                                                              .code_challenge = pkce.challenge}));
  Json record = {
      {"provider", provider}, {"nonce", nonce}, {"verifier", pkce.verifier}, {"binding", crypto::sha256_hex(binding)}};
  if (signup)
    record["signup"] = {{"birth_date", format_date(signup->birth_date)},
                        {"gender", signup->gender},
                        {"seeking_gender", signup->seeking_gender}};
  PM_TRY(put(d_.redis, flow_key(state), record, kOAuthFlowTtl));
  return OAuthStarted{.authorization_url = std::move(url), .binding = binding};
}

Result<void> Service::oauth_keep_name(std::string_view state, std::string_view user) {
  auto json = parse_json(user);
  if (state.empty() || state.size() > 512 || !json || !json->is_object() || !json->contains("name")) return {};
  const auto& name = (*json)["name"];
  auto part = [&](const char* member) {
    auto it = name.is_object() ? name.find(member) : name.end();
    if (!name.is_object() || it == name.end() || !it->is_string()) return std::string();
    auto text = it->get<std::string>();
    return text.size() <= 100 ? text : std::string();
  };
  Json kept = {{"first", part("firstName")}, {"last", part("lastName")}};
  if (kept["first"] == "" && kept["last"] == "") return {};
  // Only beside a flow of ours still waiting: anyone's POSTs cannot fill Redis.
  auto waiting = PM_TRY(d_.redis.command({"EXISTS", flow_key(state)}));
  if (!waiting.is_integer() || waiting.integer() == 0) return {};
  return put(d_.redis, name_key(state), kept, kOAuthFlowTtl);
}

Result<std::string> Service::oauth_callback(std::string_view provider, const OAuthReturn& back,
                                            std::string_view binding, const ClientInfo& client) {
  if (back.state.empty() || back.state.size() > 512) return std::unexpected(state_invalid());
  auto flow = PM_TRY(take(d_.redis, flow_key(back.state)));
  if (!flow || flow->value("provider", "") != provider || !same_browser(*flow, binding))
    return std::unexpected(state_invalid());
  // Before anything else of the response is believed, even its error.
  PM_TRY(d_.oidc_flow.check_issuer(provider, back.iss));
  if (back.error == "access_denied")
    return std::unexpected(Problem("oauth-denied", "you did not allow the sign-in at the provider"));
  if (!back.error.empty() || back.code.empty())
    return std::unexpected(Problem("oauth-provider-error", "the sign-in provider could not sign you in"));

  PM_TRY(limit("ratelimit:auth:login:ip:" + client_key(client.ip),
               {d_.config.login_limit_per_ip, d_.config.login_window}, "sign-in attempts"));
  auto id_token =
      PM_TRY(d_.oidc_flow.redeem(provider, back.code, redirect_uri(d_.config, provider), flow->value("verifier", "")));
  auto claims = PM_TRY(d_.oidc.verify(provider, id_token, flow->value("nonce", "")));
  // Apple's ID tokens carry no name; its form_post return may have (oauth_keep_name).
  if (auto name = PM_TRY(take(d_.redis, name_key(back.state))); name && claims.given_name.empty()) {
    claims.given_name = name->value("first", "");
    claims.family_name = name->value("last", "");
  }
  std::optional<ProfileBasics> signup;
  if (flow->contains("signup")) signup = PM_TRY(ProfileBasics::parse((*flow)["signup"]));
  auto signed_in = PM_TRY(sign_in_external({.provider = std::string(provider),
                                            .subject = claims.subject,
                                            .email = claims.email,
                                            .first_name = claims.given_name,
                                            .last_name = claims.family_name,
                                            .email_verified = claims.email_verified,
                                            .signup = signup},
                                           client));

  const auto code = crypto::random_hex(32);
  Json handoff = {{"binding", (*flow)["binding"]},
                  {"box", base64url_encode(crypto::seal(handoff_box_key(code), signed_in.to_json().dump()))}};
  PM_TRY(put(d_.redis, handoff_key(code), handoff, kOAuthHandoffTtl));
  return code;
}

Result<Json> Service::oauth_handoff(std::string_view code, std::string_view binding) {
  auto expired = Problem("invalid-token", "this sign-in has expired or was already completed; please sign in again");
  if (code.size() != 64) return std::unexpected(expired);
  auto handoff = PM_TRY(take(d_.redis, handoff_key(code)));
  if (!handoff) return std::unexpected(expired);
  if (!same_browser(*handoff, binding)) return std::unexpected(state_invalid());
  auto box = base64url_decode(handoff->value("box", ""));
  auto opened = box ? crypto::open(handoff_box_key(code), *box) : std::nullopt;
  if (!opened) return std::unexpected(expired);
  auto json = parse_json(*opened);
  if (!json) return std::unexpected(expired);
  return std::move(*json);
}

}  // namespace pm::auth
