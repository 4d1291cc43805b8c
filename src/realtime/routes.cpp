#include "realtime/routes.hpp"

#include "realtime/socket.hpp"

namespace pm::realtime {

void add_routes(http::Router& router) {
  // Reached only by a GET that did not ask to upgrade (the server hands upgrades to the Socket).
  router.add(http::Method::get, kPath, [](http::Request& req) {
    auto res = http::problem_response(
        Problem("upgrade-required", "this path speaks WebSocket: send Connection: Upgrade and Upgrade: websocket"),
        req.request_id);
    res.set(http::beast_http::field::upgrade, "websocket");
    return res;
  });
}

http::UpgradeHandler upgrade_handler(Hub& hub, Protocol& protocol, auth::Service& auth, SocketOptions options) {
  return {
      .path = kPath,
      .accept =
          [&hub, &protocol, &auth, options](boost::beast::tcp_stream stream, http::Request request,
                                            boost::asio::thread_pool& handlers, http::ConnectionSlot slot) {
            auto socket = std::make_shared<Socket>(
                std::move(stream), std::move(slot),
                Socket::Deps{.hub = hub, .protocol = protocol, .auth = auth, .handlers = handlers, .options = options});
            socket->start(std::move(request));
          },
      .stop = [&hub] { hub.stop(); }};
}

}  // namespace pm::realtime
