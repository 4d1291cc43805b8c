#pragma once
// GET /api/v1/ws: the WebSocket upgrade (handed to a Socket) and, for a plain GET, a 426 problem.

#include "auth/service.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "realtime/hub.hpp"
#include "realtime/protocol.hpp"
#include "realtime/socket_options.hpp"

namespace pm::realtime {

inline constexpr const char* kPath = "/api/v1/ws";

void add_routes(http::Router& router);
http::UpgradeHandler upgrade_handler(Hub& hub, Protocol& protocol, auth::Service& auth, SocketOptions options);

}  // namespace pm::realtime
