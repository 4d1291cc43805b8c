#include "realtime/socket.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/core/demangle.hpp>

#include "core/log.hpp"
#include "realtime/hub.hpp"

namespace pm::realtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

Socket::Socket(beast::tcp_stream stream, Deps deps)
    : ws_(std::move(stream)), d_(std::move(deps)), auth_timer_(ws_.get_executor()) {}

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

void Socket::on_accept(std::optional<std::string> token) {
  if (token) return authenticate(std::move(*token));
  await_auth_frame();
}

// Browsers cannot set headers on a WebSocket: the token may come as the first frame instead.
void Socket::await_auth_frame() {
  auth_timer_.expires_after(d_.options.auth_timeout);
  auth_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->user_id_.empty() || self->finished_) return;
    self->refuse(unauthenticated("no auth frame came within 10 seconds"), websocket::close_code::policy_error);
  });
  read_frame();
}

// The first frame of a socket that came without a token.
void Socket::on_auth_frame(const std::string& text) {
  auto frame = Json::parse(text, nullptr, false);
  if (!frame.is_object() || frame.value("type", "") != "auth" || !frame["token"].is_string())
    return refuse(unauthenticated("the first frame must be {\"type\": \"auth\", \"token\": ...}"),
                  websocket::close_code::policy_error);
  authenticate(frame["token"].get<std::string>());
}

void Socket::authenticate(std::string token) {
  // Resolving a session may ask Redis: off the I/O thread.
  asio::post(d_.handlers, [self = shared_from_this(), token = std::move(token)] {
    auto who = self->d_.auth.authenticate(token);
    asio::post(self->ws_.get_executor(),
               [self, who = std::move(who)]() mutable { self->on_authenticated(std::move(who)); });
  });
}

void Socket::on_authenticated(Result<auth::Caller> who) {
  auth_timer_.cancel();
  if (finished_ || closing_) return;
  if (!who) return refuse(who.error(), websocket::close_code::policy_error);
  if (!d_.hub.listening())
    return refuse(unavailable("realtime-unavailable", "this node cannot deliver events right now; reconnect shortly"),
                  websocket::close_code::try_again_later);
  user_id_ = who->user_id;
  d_.hub.attach(user_id_, shared_from_this());
  log::info("ws_opened", {{"request_id", request_id_}, {"user_id", user_id_}});
  send({{"type", "ready"}, {"user_id", user_id_}, {"node", d_.hub.node_id()}});
  read_frame();
}

// Every read and every close completes in one member function each: Beast's read and close
// machinery is a large template instantiated once per distinct handler type, and was most of this
// file's compile time when each call had a lambda of its own.
void Socket::read_frame() { ws_.async_read(buffer_, beast::bind_front_handler(&Socket::on_read, shared_from_this())); }

void Socket::on_read(beast::error_code ec, std::size_t) {
  if (ec) return finish();
  std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (user_id_.empty()) return on_auth_frame(text);
  on_frame(std::move(text));
}

void Socket::on_closed(beast::error_code) { finish(); }

// One frame at a time: the next is read after this one is answered, so a client's frames take
// effect in the order it sent them and a flood of frames waits in TCP, not in our memory.
void Socket::on_frame(std::string text) {
  if (text.find("resume") != std::string::npos && Protocol::is_resume(text)) resuming_ = true;
  asio::post(d_.handlers, [self = shared_from_this(), text = std::move(text)] {
    Outcome outcome;
    try {
      outcome = self->d_.protocol.handle(self->user_id_, text);
    } catch (const std::exception& e) {
      log::error("ws_frame_exception",
                 {{"request_id", self->request_id_}, {"exception", boost::core::demangle(typeid(e).name())}});
      outcome.reply = Protocol::error_frame(nullptr, Problem{.status = 500,
                                                             .type = "internal",
                                                             .title = "Internal server error",
                                                             .detail = "the frame could not be handled"});
    }
    asio::post(self->ws_.get_executor(),
               [self, outcome = std::move(outcome)]() mutable { self->on_outcome(std::move(outcome)); });
  });
}

void Socket::on_outcome(Outcome outcome) {
  if (finished_) return;
  for (const auto& event : outcome.replay)
    if (first_delivery(event)) send(event);
  send(outcome.reply);
  if (resuming_) {
    // Live events that came during the replay (minus the messages it already sent, below).
    resuming_ = false;
    auto held = std::move(held_);
    held_.clear();
    for (const auto& [frame, event] : held) accept_event(frame, *event);
  }
  read_frame();
}

void Socket::deliver(std::shared_ptr<const std::string> frame, std::shared_ptr<const Json> event) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame), event = std::move(event)] {
    if (self->finished_ || self->closing_) return;
    if (self->resuming_)
      self->held_.emplace_back(frame, event);
    else
      self->accept_event(frame, *event);
  });
}

bool Socket::first_delivery(const Json& event) {
  if (event.value("type", "") != "message.new") return true;
  auto& sent = sent_seqs_[event.value("conversation_id", "")];
  if (!sent.insert(event["message"].value("seq", 0LL)).second) return false;
  if (sent.size() > 512) sent.erase(sent.begin());
  return true;
}

void Socket::accept_event(const std::shared_ptr<const std::string>& frame, const Json& event) {
  if (!first_delivery(event)) return;
  // A slow reader: live events pile up faster than it takes them. It is cut off (it reconnects
  // and resumes) so its queue never grows without bound and no other socket waits for it.
  if (queue_.size() >= d_.options.send_queue) {
    log::warn("ws_slow_consumer", {{"request_id", request_id_}, {"queued", queue_.size()}});
    return finish();
  }
  enqueue(frame);
}

void Socket::send(const Json& frame) { enqueue(std::make_shared<const std::string>(frame.dump())); }

void Socket::enqueue(std::shared_ptr<const std::string> frame) {
  if (finished_ || closing_) return;
  queue_.push_back(std::move(frame));
  if (!writing_) write_next();
}

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

void Socket::refuse(const Problem& problem, websocket::close_code code) {
  log::info("ws_refused", {{"request_id", request_id_}, {"problem", problem.type}});
  send(Protocol::error_frame(nullptr, problem));
  closing_ = true;
  // The close frame follows the error frame (Beast sends it after the pending write).
  ws_.async_close(websocket::close_reason(code, problem.type),
                  beast::bind_front_handler(&Socket::on_closed, shared_from_this()));
}

void Socket::close(std::string reason) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), reason = std::move(reason)] {
    if (self->finished_ || self->closing_) return;
    self->closing_ = true;
    if (self->user_id_.empty()) return self->finish();  // still in the handshake or authenticating
    self->ws_.async_close(websocket::close_reason(websocket::close_code::going_away, reason),
                          beast::bind_front_handler(&Socket::on_closed, self));
  });
}

void Socket::finish() {
  if (finished_) return;
  finished_ = true;
  auth_timer_.cancel();
  if (!user_id_.empty()) {
    d_.hub.detach(user_id_, this);
    log::info("ws_closed", {{"request_id", request_id_}, {"user_id", user_id_}});
  }
  queue_.clear();
  held_.clear();
  beast::error_code ec;
  beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  beast::get_lowest_layer(ws_).socket().close(ec);
}

}  // namespace pm::realtime
