#pragma once
// The bearer-token check every authenticated route starts with.

#include "auth/service.hpp"
#include "http/message.hpp"

namespace pm::auth {

inline Result<Caller> require_caller(Service& auth, const http::Request& req) {
  auto token = req.bearer_token();
  if (!token)
    return std::unexpected(Problem{.status = 401, .type = "unauthenticated", .title = "Unauthenticated",
                                   .detail = "this endpoint needs an Authorization: Bearer <session token> header"});
  return auth.authenticate(*token);
}

inline ClientInfo client_of(const http::Request& req) {
  return {.ip = req.remote_ip, .user_agent = std::string(req.header("User-Agent"))};
}

}  // namespace pm::auth
