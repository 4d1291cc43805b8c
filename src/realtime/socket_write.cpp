// Writing frames and the close frame (realtime/socket.hpp). Each Beast operation on the WebSocket is a large template
// instantiated for its handler; in files of their own they build in parallel, and an edit to the
// socket's logic (realtime/socket.cpp) recompiles none of them.

#include "realtime/socket.hpp"

#include <boost/beast/core/bind_handler.hpp>

namespace pm::realtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

void Socket::write_next() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(asio::buffer(*queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->finish();
    self->queue_.pop_front();
    if (!self->queue_.empty()) return self->write_next();
    self->writing_ = false;
  });
}

void Socket::send_close(const websocket::close_reason& reason) {
  ws_.async_close(reason, beast::bind_front_handler(&Socket::on_closed, shared_from_this()));
}
}  // namespace pm::realtime
