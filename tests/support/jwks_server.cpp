#include "support/jwks_server.hpp"

#include <utility>  // Boost 1.74's asio/awaitable.hpp uses std::exchange without including it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace pm::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct JwksServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::uint16_t port = acceptor.local_endpoint().port();  // read once: the acceptor belongs to `thread`
  std::thread thread;
};

namespace {

asio::awaitable<void> serve(JwksServer& server, tcp::socket socket) {
  beast::flat_buffer buffer;
  beast::http::request<beast::http::string_body> request;
  co_await beast::http::async_read(socket, buffer, request, asio::use_awaitable);
  auto reply = server.next_reply();
  if (reply.delay.count() > 0) {
    asio::steady_timer timer(socket.get_executor(), reply.delay);
    co_await timer.async_wait(asio::use_awaitable);
  }
  beast::http::response<beast::http::string_body> response(static_cast<beast::http::status>(reply.status), 11);
  response.set(beast::http::field::content_type, "application/json");
  response.body() = reply.body;
  response.keep_alive(false);
  response.prepare_payload();
  co_await beast::http::async_write(socket, response, asio::use_awaitable);
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> listen(JwksServer& server, tcp::acceptor& acceptor) {
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
    // A client that gives up (a timeout test) makes the session throw: that is expected, ignore it.
    asio::co_spawn(acceptor.get_executor(), serve(server, std::move(socket)), [](std::exception_ptr) {});
  }
}

}  // namespace

JwksServer::JwksServer() : impl_(std::make_unique<Impl>()) {
  asio::co_spawn(impl_->io, listen(*this, impl_->acceptor), [](std::exception_ptr) {});
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

JwksServer::~JwksServer() {
  impl_->io.stop();
  impl_->thread.join();
}

void JwksServer::set_body(std::string body) {
  std::lock_guard lock(mutex_);
  reply_.body = std::move(body);
}

void JwksServer::set_status(int status) {
  std::lock_guard lock(mutex_);
  reply_.status = status;
}

void JwksServer::set_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  reply_.delay = delay;
}

JwksServer::Reply JwksServer::next_reply() {
  ++requests_;
  std::lock_guard lock(mutex_);
  return reply_;
}

std::string JwksServer::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port) + "/jwks.json"; }

}  // namespace pm::test
