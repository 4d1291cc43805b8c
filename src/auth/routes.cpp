#include "auth/routes.hpp"

#include "auth/guard.hpp"
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

  router.add(Method::post, "/api/v1/auth/logout", authed(auth, [&auth](Request& req, const Caller& caller) {
               return http::reply(req, auth.logout(caller, client_of(req)));
             }));

  router.add(Method::post, "/api/v1/auth/logout-all", authed(auth, [&auth](Request& req, const Caller& caller) {
               return http::reply(req, auth.logout_all(caller, client_of(req)));
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

  router.add(Method::post, "/api/v1/me/password", authed(auth, [&auth](Request& req, const Caller& caller) {
               return http::with_input<PasswordChangeInput>(req, [&](const PasswordChangeInput& in) {
                 return http::reply(req, auth.change_password(caller, in, client_of(req)));
               });
             }));
}

}  // namespace pm::auth
