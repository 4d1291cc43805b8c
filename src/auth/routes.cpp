#include "auth/routes.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "auth/guard.hpp"
#include "core/http_client.hpp"
#include "core/log.hpp"
#include "core/validation.hpp"

namespace pm::auth {

using http::Method;
using http::Request;
using http::Status;

namespace {

// The public routes find or create an account before anyone is signed in (by an email's blind
// index, a mailed token, an OpenID subject): the only handlers that run as the system
// (docs/security.md). Everything they do is the auth service's, which checks who may do it.
http::Handler before_sign_in(http::Handler fn) {
  return [fn = std::move(fn)](Request& req) -> http::Response {
    actor::Scope system(actor::Scope::system());
    return fn(req);
  };
}

// The cookie that binds a provider sign-in to the browser that started it (oauth_flow.cpp): only
// its own routes see it (Path), no script reads it (HttpOnly), and the provider's top-level
// redirect back carries it (Lax). Secure whenever the app is served over https.
constexpr std::string_view kFlowCookie = "pm_oauth_flow";

std::string flow_cookie(const Config& config, std::string_view value, std::chrono::seconds max_age) {
  return fmt::format("{}={}; Path=/api/v1/auth/; Max-Age={}; HttpOnly; SameSite=Lax{}", kFlowCookie, value,
                     max_age.count(), config.public_url.starts_with("https://") ? "; Secure" : "");
}

std::string cookie_of(const Request& req, std::string_view name) {
  std::string_view header = req.header("Cookie");
  while (!header.empty()) {
    auto end = header.find(';');
    auto pair = header.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
      return std::string(pair.substr(name.size() + 1));
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
  }
  return {};
}

// A failed browser sign-in lands on the web app's page, which says the problem in words.
http::Response back_to_app(const Config& config, std::string_view page, const Problem& problem) {
  log::info("oauth_browser_sign_in_refused", {{"problem", problem.type}});
  return http::redirect(fmt::format("{}/{}?error={}", config.public_url, page, problem.type));
}

// The start's optional basics of a new account ("Sign up with ..."), from its query.
Result<std::optional<ProfileBasics>> signup_basics(const Request& req) {
  Json fields = Json::object();
  for (const char* name : {"birth_date", "gender", "seeking_gender"})
    if (auto value = req.query(name)) fields[name] = *value;
  if (fields.empty()) return std::nullopt;
  return PM_TRY(ProfileBasics::parse(fields));
}

void add_browser_sign_in(http::Router& router, Service& auth, const Config& config,
                         const std::function<void(Method, std::string, http::Handler)>& add_public) {
  router.add(Method::get, "/api/v1/auth/providers", [&auth](Request&) {
    Json list = Json::array();
    for (const auto& p : auth.oauth_providers()) list.push_back({{"name", p.name}, {"display_name", p.display_name}});
    return http::json_response(Status::ok, {{"providers", list}});
  });

  add_public(Method::get, "/api/v1/auth/oauth/{provider}/start", [&auth, &config](Request& req) {
    auto signup = signup_basics(req);
    const auto page = req.query("birth_date") ? "signup" : "signin";
    if (!signup) return back_to_app(config, page, signup.error());
    auto started = auth.oauth_start(req.params["provider"], *signup, client_of(req));
    if (!started) return back_to_app(config, page, started.error());
    auto res = http::redirect(started->authorization_url);
    res.set(http::beast_http::field::set_cookie, flow_cookie(config, started->binding, Service::kOAuthFlowTtl));
    return res;
  });

  add_public(Method::get, "/api/v1/auth/oauth/{provider}/callback", [&auth, &config](Request& req) {
    Service::OAuthReturn back{.state = req.query("state").value_or(""),
                              .code = req.query("code").value_or(""),
                              .error = req.query("error").value_or(""),
                              .iss = req.query("iss")};
    auto code = auth.oauth_callback(req.params["provider"], back, cookie_of(req, kFlowCookie), client_of(req));
    if (!code) return back_to_app(config, "signin", code.error());
    // A fragment never reaches a server (nor a Referer): the app trades it for the session.
    return http::redirect(fmt::format("{}/signin#oauth={}", config.public_url, *code));
  });

  // A provider asked for response_mode=form_post (Apple, as soon as email or name is asked for)
  // returns with a form POST from its own site, and a cross-site POST carries no SameSite=Lax
  // cookie: the flow's binding cannot be checked here. So this only answers 303 See Other to the
  // GET callback above: a top-level GET navigation, which does carry Lax cookies, and where every
  // check happens as for any provider. The code and state travel in its query as they do in the
  // default response mode; Apple's `user` (a name, PII) does not: it waits in Redis beside the
  // flow (oauth_keep_name). Why not SameSite=None on the cookie instead: docs/oauth.md.
  add_public(Method::post, "/api/v1/auth/oauth/{provider}/callback", [&auth, &config](Request& req) {
    const auto& provider = req.params["provider"];
    const auto providers = auth.oauth_providers();
    if (std::ranges::none_of(providers, [&](const auto& p) { return p.name == provider; }))
      return back_to_app(config, "signin", Problem("unknown-oauth-provider", "no such sign-in provider"));
    const auto state = req.form("state");
    if (!state)
      return back_to_app(config, "signin", Problem("oauth-provider-error", "the provider's return is not a form"));
    if (auto user = req.form("user")) {
      auto kept = auth.oauth_keep_name(*state, *user);
      if (!kept) return back_to_app(config, "signin", kept.error());
    }
    std::vector<std::pair<std::string, std::string>> query{{"state", *state}};
    for (const char* name : {"code", "error", "iss"})
      if (auto value = req.form(name)) query.emplace_back(name, *value);
    return http::redirect(fmt::format("{}/api/v1/auth/oauth/{}/callback?{}", config.public_url, provider,
                                      http_client::form_encode(query)),
                          Status::see_other);
  });

  add_public(Method::post, "/api/v1/auth/oauth-handoff", [&auth, &config](Request& req) {
    auto body = req.json();
    if (!body) return http::problem_response(body.error(), req.request_id);
    Fields f(*body);
    f.allow_only({"code"});
    auto code = f.text("code", true, 128);
    if (!f.ok()) return http::problem_response(f.problem(), req.request_id);
    auto signed_in = auth.oauth_handoff(*code, cookie_of(req, kFlowCookie));
    auto res = signed_in ? http::json_response(Status::ok, *signed_in)
                         : http::problem_response(signed_in.error(), req.request_id);
    res.set(http::beast_http::field::set_cookie, flow_cookie(config, "", std::chrono::seconds(0)));
    return res;
  });
}

}  // namespace

void add_routes(http::Router& router, Service& auth) {
  auto add_public = [&router](Method method, std::string pattern, http::Handler handler) {
    router.add(method, std::move(pattern), before_sign_in(std::move(handler)));
  };
  add_public(Method::post, "/api/v1/auth/signup", [&auth](Request& req) {
    return http::with_input<SignupInput>(req, [&](const SignupInput& in) {
      auto done = auth.signup(in, client_of(req));
      if (!done) return http::problem_response(done.error(), req.request_id);
      // The same answer whether the address was free or taken: its inbox says which.
      return http::json_response(Status::accepted, {{"email", in.email}, {"verification", "mailed"}});
    });
  });

  add_public(Method::post, "/api/v1/auth/login", [&auth](Request& req) {
    return http::with_input<LoginInput>(
        req, [&](const LoginInput& in) { return http::reply(req, auth.login(in, client_of(req)), Status::ok); });
  });

  add_public(Method::post, "/api/v1/auth/oauth/{provider}", [&auth](Request& req) {
    auto body = req.json();
    if (!body) return http::problem_response(body.error(), req.request_id);
    Fields f(*body);
    f.allow_only({"id_token", "nonce"});
    auto token = f.text("id_token", true, 16384);
    auto nonce = f.text("nonce", false, 512);
    if (!f.ok()) return http::problem_response(f.problem(), req.request_id);
    return http::reply(req, auth.oauth_login(req.params["provider"], *token, nonce, client_of(req)), Status::ok);
  });

  add_browser_sign_in(router, auth, auth.config(), add_public);

  router.add(Method::post, "/api/v1/auth/logout", authed(auth, [&auth](Request& req, const Caller& caller) {
               return http::reply(req, auth.logout(caller, client_of(req)));
             }));

  router.add(Method::post, "/api/v1/auth/logout-all", authed(auth, [&auth](Request& req, const Caller& caller) {
               return http::reply(req, auth.logout_all(caller, client_of(req)));
             }));

  router.add(Method::post, "/api/v1/auth/verify-email/resend",
             authed(auth, [&auth](Request& req, const Caller& caller) {
               auto sent = auth.resend_verification(caller);
               if (!sent) return http::problem_response(sent.error(), req.request_id);
               return http::json_response(Status::accepted, {{"status", "a new link is on its way to your address"}});
             }));

  add_public(Method::post, "/api/v1/auth/verify-email", [&auth](Request& req) {
    auto body = req.json();
    if (!body) return http::problem_response(body.error(), req.request_id);
    Fields f(*body);
    f.allow_only({"token"});
    auto token = f.text("token", true, 200);
    if (!f.ok()) return http::problem_response(f.problem(), req.request_id);
    return http::reply(req, auth.verify_email(*token, client_of(req)));
  });

  add_public(Method::post, "/api/v1/auth/password-reset/request", [&auth](Request& req) {
    auto body = req.json();
    if (!body) return http::problem_response(body.error(), req.request_id);
    Fields f(*body);
    f.allow_only({"email"});
    auto email = f.text("email", true, 254);
    if (email && !plausible_email(normalize_email(*email))) f.fail("email", "is not a valid email address");
    if (!f.ok()) return http::problem_response(f.problem(), req.request_id);
    auto done = auth.request_password_reset(normalize_email(*email), client_of(req));
    if (!done) return http::problem_response(done.error(), req.request_id);
    return http::json_response(Status::accepted,
                               {{"status", "if an account uses this address, a reset link is on its way"}});
  });

  add_public(Method::post, "/api/v1/auth/password-reset/confirm", [&auth](Request& req) {
    return http::with_input<ResetConfirmInput>(req, [&](const ResetConfirmInput& in) {
      return http::reply(req, auth.confirm_password_reset(in, client_of(req)));
    });
  });

  router.add(Method::post, "/api/v1/me/email", authed(auth, [&auth](Request& req, const Caller& caller) {
               return http::with_input<EmailChangeInput>(req, [&](const EmailChangeInput& in) {
                 return http::reply(req, auth.change_email(caller, in, client_of(req)), Status::accepted);
               });
             }));

  router.add(Method::get, "/api/v1/me/sessions", authed(auth, [&auth](Request& req, const Caller& caller) {
               return http::reply(req, auth.sessions(caller));
             }));

  router.add(Method::delete_, "/api/v1/me/sessions/{session_id}",
             authed(auth, [&auth](Request& req, const Caller& caller) {
               return http::reply(req, auth.end_session(caller, req.params["session_id"], client_of(req)));
             }));

  router.add(Method::post, "/api/v1/me/reauthenticate", authed(auth, [&auth](Request& req, const Caller& caller) {
               return http::with_input<PasswordConfirmInput>(req, [&](const PasswordConfirmInput& in) {
                 return http::reply(req, auth.reauthenticate(caller, in, client_of(req)));
               });
             }));

  router.add(Method::post, "/api/v1/me/password", authed(auth, [&auth](Request& req, const Caller& caller) {
               return http::with_input<PasswordChangeInput>(req, [&](const PasswordChangeInput& in) {
                 return http::reply(req, auth.change_password(caller, in, client_of(req)));
               });
             }));
}

}  // namespace pm::auth
