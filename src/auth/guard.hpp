#pragma once
// The bearer-token check every authenticated route starts with.

#include "auth/service.hpp"
#include "core/actor.hpp"
#include "core/text.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace pm::auth {

inline Result<Caller> require_caller(Service& auth, const http::Request& req) {
  auto token = req.bearer_token();
  if (!token)
    return std::unexpected(
        Problem("unauthenticated", "this endpoint needs an Authorization: Bearer <session token> header"));
  return auth.authenticate(*token);
}

// Wraps a handler that needs a signed-in caller: fn(request, caller) runs only for a valid session,
// as that user: every transaction it makes sets pm.user_id, so row-level security shows it only
// the caller's rows (core/actor.hpp, docs/security.md).
template <class Fn>
http::Handler authed(Service& auth, Fn fn) {
  return [&auth, fn](http::Request& req) -> http::Response {
    auto caller = require_caller(auth, req);
    if (!caller) return http::problem_response(caller.error(), req.request_id);
    actor::Scope as_caller(actor::Scope::user(caller->user_id));
    return fn(req, *caller);
  };
}

// The User-Agent is any bytes a client sends (Beast takes 0x80-0xFF in a header): made UTF-8 here,
// or the session's JSON and the audit log's text refused it after the sign-in had counted.
inline ClientInfo client_of(const http::Request& req) {
  return {.ip = req.remote_ip, .user_agent = valid_utf8(req.header("User-Agent"))};
}

}  // namespace pm::auth
