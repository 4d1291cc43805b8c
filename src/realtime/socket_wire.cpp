// The WebSocket of a Socket (realtime/socket.hpp): Beast's stream, the handshake, reads, writes
// and the close. The only file that instantiates Beast's WebSocket templates, each operation once
// for one handler type: this file's compile time, paid by no other.

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "realtime/socket.hpp"

namespace pm::realtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct Socket::Wire {
  explicit Wire(beast::tcp_stream stream) : ws(std::move(stream)) {}
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
};

Socket::Socket(beast::tcp_stream stream, http::ConnectionSlot slot, Deps deps)
    : executor_(stream.get_executor()),
      wire_(std::make_unique<Wire>(std::move(stream))),
      slot_(std::move(slot)),
      d_(std::move(deps)),
      auth_timer_(executor_) {}

Socket::~Socket() = default;

void Socket::accept_upgrade(http::Request request, std::optional<std::string> token) {
  auto& ws = wire_->ws;
  // From now on the WebSocket's own timeouts apply: a ping at half the idle timeout, closed
  // when nothing (not even a pong) came back for the whole of it.
  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = d_.options.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  ws.read_message_max(d_.options.max_frame);
  ws.auto_fragment(false);
  // The request lives in the handler until the handshake's answer is written.
  auto upgrade = std::make_shared<http::beast_http::request<http::beast_http::string_body>>(std::move(request.raw));
  ws.async_accept(*upgrade, [self = shared_from_this(), upgrade, token = std::move(token)](beast::error_code ec) {
    if (ec) return self->finish();
    self->on_accept(token);
  });
}

// Every read and every close completes in one member function each: Beast's read and close
// machinery is a large template instantiated once per distinct handler type.
void Socket::read_frame() {
  wire_->ws.async_read(wire_->buffer, beast::bind_front_handler(&Socket::on_read, shared_from_this()));
}

std::string Socket::take_frame() {
  std::string text = beast::buffers_to_string(wire_->buffer.data());
  wire_->buffer.consume(wire_->buffer.size());
  return text;
}

void Socket::write_next() {
  writing_ = true;
  wire_->ws.text(true);
  wire_->ws.async_write(asio::buffer(*queue_.front().frame),
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          // Finished meanwhile (cut off as slow, closed): the queue holds only this
                          // frame, kept for this write's buffer; a completion queued before the
                          // close still comes, without an error.
                          if (ec || self->finished_) return self->finish();
                          const bool answer = self->queue_.front().answer;
                          if (answer) --self->answers_queued_;
                          self->queue_.pop_front();
                          if (answer) self->resume_reading();
                          if (!self->queue_.empty()) return self->write_next();
                          self->writing_ = false;
                        });
}

// The close frame follows any frame still being written (Beast sends it after the pending write).
void Socket::send_close(websocket::close_code code, std::string reason) {
  wire_->ws.async_close(websocket::close_reason(code, reason),
                        beast::bind_front_handler(&Socket::on_closed, shared_from_this()));
}

void Socket::close_tcp() {
  beast::error_code ec;
  auto& socket = beast::get_lowest_layer(wire_->ws).socket();
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace pm::realtime
