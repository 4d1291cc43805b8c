// The WebSocket handshake (realtime/socket.hpp). Each Beast operation on the WebSocket is a large template
// instantiated for its handler; in files of their own they build in parallel, and an edit to the
// socket's logic (realtime/socket.cpp) recompiles none of them.

#include "realtime/socket.hpp"

namespace pm::realtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

void Socket::start(http::Request request) {
  request_id_ = request.request_id;
  // From now on the WebSocket's own timeouts apply: a ping at half the idle timeout, closed
  // when nothing (not even a pong) came back for the whole of it.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = d_.options.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.read_message_max(d_.options.max_frame);
  ws_.auto_fragment(false);
  std::optional<std::string> token;
  if (auto bearer = request.bearer_token()) token = std::string(*bearer);
  // The request lives in the handler until the handshake's answer is written.
  auto upgrade = std::make_shared<http::beast_http::request<http::beast_http::string_body>>(std::move(request.raw));
  ws_.async_accept(*upgrade, [self = shared_from_this(), upgrade, token = std::move(token)](beast::error_code ec) {
    if (ec) return self->finish();
    self->on_accept(token);
  });
}

}  // namespace pm::realtime
