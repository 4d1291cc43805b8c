#include "support/ws_client.hpp"

#include <chrono>
#include <deque>
#include <stdexcept>

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "support/contract_log.hpp"

namespace pm::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// Everything runs on one io_context driven only by the test's thread (run_one_until in pump), so
// no locking is needed. One read is always outstanding while the socket is open: it answers the
// server's pings and moves frames into `inbox` whenever the test waits for something.
struct WsClient::Impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  std::deque<Json> inbox;
  bool open = false;     // upgraded and not closed
  bool reading = false;  // a read is outstanding
  int pending = 0;       // other operations outstanding (handshake, write, close)
  std::optional<int> close_code;
  int next_id = 0;

  void start_read() {
    if (!open || reading) return;
    reading = true;
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      reading = false;
      if (ec) {
        open = false;
        // The server's close frame counts even when answering it failed (it may have hung up already).
        auto code = static_cast<int>(ws.reason().code);
        close_code = code != websocket::close_code::none ? code : 1006;
        return;
      }
      std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      Json frame = Json::parse(text, nullptr, false);
      contract_log::record({{"kind", "ws"}, {"direction", "server"}, {"frame", text}});
      inbox.push_back(frame.is_discarded() ? Json{{"type", "<not json>"}, {"text", text}} : std::move(frame));
      start_read();
    });
  }

  // Runs the socket until `done()` or the deadline; returns done().
  bool pump(const std::function<bool()>& done, Clock::time_point deadline) {
    for (;;) {
      if (done()) return true;
      start_read();
      if (!open && !reading && pending == 0) return false;  // nothing more can happen
      if (Clock::now() >= deadline) return false;
      if (io.stopped()) io.restart();
      io.run_one_until(deadline);
    }
  }
  bool pump_for(const std::function<bool()>& done, int timeout_ms) {
    return pump(done, Clock::now() + std::chrono::milliseconds(timeout_ms));
  }

  // Runs one asynchronous operation to its end (or throws after timeout_ms, dropping the socket
  // so that nothing outstanding refers to this frame's locals).
  template <class Start>
  beast::error_code run_op(const char* what, int timeout_ms, Start&& start) {
    bool done = false;
    beast::error_code result;
    ++pending;
    start([&](beast::error_code ec, auto&&...) {
      --pending;
      result = ec;
      done = true;
    });
    if (!pump_for([&] { return done; }, timeout_ms)) {
      kill_socket();
      if (!done) throw std::runtime_error(std::string("WebSocket ") + what + " did not finish in time");
    }
    return result;
  }

  beast::error_code write(const std::string& text) {
    return run_op("write", kWaitMs, [&](auto handler) { ws.async_write(asio::buffer(text), std::move(handler)); });
  }

  void kill_socket() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws).socket();
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    open = false;
    if (!close_code) close_code = 1006;
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::seconds(2));  // the cancelled operations' handlers
  }

  std::optional<Json> take(const std::function<bool(const Json&)>& match, int timeout_ms) {
    std::optional<Json> found;
    pump_for(
        [&] {
          for (auto it = inbox.begin(); it != inbox.end(); ++it)
            if (match(*it)) {
              found = std::move(*it);
              inbox.erase(it);
              return true;
            }
          return false;
        },
        timeout_ms);
    return found;
  }
};

WsClient::WsClient(std::uint16_t port, const std::string& token) : impl_(std::make_unique<Impl>()) {
  auto& ws = impl_->ws;
  beast::get_lowest_layer(ws).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  if (!token.empty())
    ws.set_option(websocket::stream_base::decorator(
        [token](websocket::request_type& req) { req.set(beast::http::field::authorization, "Bearer " + token); }));
  websocket::response_type response;
  auto ec = impl_->run_op("upgrade", kWaitMs, [&](auto handler) {
    ws.async_handshake(response, "127.0.0.1:" + std::to_string(port), "/api/v1/ws", std::move(handler));
  });
  if (ec == websocket::error::upgrade_declined) {
    // An answer other than the upgrade is an HTTP exchange of GET /api/v1/ws like any other. (A
    // connection closed unanswered is not one: its response object still holds Beast's default 200.)
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& field : response)
      headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    contract_log::record(contract_log::http_exchange("GET", "/api/v1/ws", {}, static_cast<int>(response.result_int()),
                                                     headers, response.body(), false));
  }
  if (ec)
    throw std::runtime_error("GET /api/v1/ws was not upgraded: HTTP " + std::to_string(response.result_int()) + " (" +
                             ec.message() + ")");
  ws.text(true);
  impl_->open = true;
  impl_->start_read();
}

WsClient::~WsClient() {
  try {
    close();
  } catch (...) {
    // The test is over; a socket that will not close cleanly is dropped with the io_context.
  }
}

void WsClient::send_json(const Json& frame) { send_text(frame.dump()); }

void WsClient::send_text(const std::string& text) {
  if (!impl_->open) throw std::runtime_error("send on a closed WebSocket: " + text);
  if (auto ec = impl_->write(text)) throw std::runtime_error("WebSocket write failed: " + ec.message());
}

bool WsClient::send_unless_closed(const std::string& text) { return impl_->open && !impl_->write(text); }

std::optional<Json> WsClient::next_event(int timeout_ms) {
  return impl_->take([](const Json&) { return true; }, timeout_ms);
}

std::optional<Json> WsClient::wait_for(const std::string& type, int timeout_ms,
                                       const std::function<bool(const Json&)>& match) {
  return impl_->take([&](const Json& f) { return f.value("type", "") == type && (!match || match(f)); }, timeout_ms);
}

std::vector<Json> WsClient::drain(int quiet_ms) {
  std::vector<Json> out;
  while (auto frame = next_event(quiet_ms)) out.push_back(std::move(*frame));
  return out;
}

Json WsClient::request(Json frame, int timeout_ms) {
  if (!frame.contains("id")) frame["id"] = "req-" + std::to_string(++impl_->next_id);
  const std::string id = frame["id"];
  send_json(frame);
  return answer_to(id, timeout_ms);
}

Json WsClient::answer_to(const std::string& id, int timeout_ms) {
  auto answer = impl_->take(
      [&](const Json& f) {
        auto type = f.value("type", "");
        return (type == "ack" || type == "error") && f.contains("id") && f["id"] == id;
      },
      timeout_ms);
  if (!answer) {
    ADD_FAILURE() << "no ack or error for frame " << id << " within " << timeout_ms << " ms"
                  << (impl_->open ? "" : " (the socket is closed)");
    return Json{{"type", "timeout"}, {"id", id}};
  }
  return *answer;
}

std::optional<int> WsClient::wait_closed(int timeout_ms) {
  impl_->pump_for([&] { return !impl_->open; }, timeout_ms);
  if (impl_->open) return std::nullopt;
  return impl_->close_code;
}

bool WsClient::is_open() const { return impl_->open; }

void WsClient::close() {
  if (!impl_->open) return;
  // The close frame goes out; the outstanding read then sees the server's answer and ends.
  auto ec = impl_->run_op(
      "close", 2000, [&](auto handler) { impl_->ws.async_close(websocket::close_code::normal, std::move(handler)); });
  if (ec || !impl_->pump_for([&] { return !impl_->reading; }, 2000)) impl_->kill_socket();
  impl_->open = false;
}

void WsClient::drop() {
  if (!impl_->open) return;
  impl_->kill_socket();
}

}  // namespace pm::test
