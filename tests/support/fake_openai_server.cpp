#include "support/fake_openai_server.hpp"

#include <thread>
#include <utility>  // Boost 1.74's asio/awaitable.hpp uses std::exchange without including it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace pm::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = beast::http;
using tcp = asio::ip::tcp;

struct FakeOpenAiServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::uint16_t port = acceptor.local_endpoint().port();  // read once: the acceptor belongs to `thread`
  std::thread thread;
};

namespace {

asio::awaitable<void> serve(FakeOpenAiServer& server, tcp::socket socket) {
  beast::flat_buffer buffer;
  beast_http::request_parser<beast_http::string_body> parser;
  parser.body_limit(16u << 20);  // Beast's default (1 MB) is below what a long text makes
  co_await beast_http::async_read(socket, buffer, parser, asio::use_awaitable);
  auto request = parser.release();

  FakeOpenAiServer::Reply reply{.status = 405, .body = R"({"error":{"message":"POST only"}})"};
  if (request.method() == beast_http::verb::post) {
    auto auth = request.find(beast_http::field::authorization);
    reply = server.on_request(std::string(request.target()), request.body(),
                              auth == request.end() ? std::string() : std::string(auth->value()));
  }
  if (reply.delay.count() > 0) {
    asio::steady_timer timer(socket.get_executor(), reply.delay);
    co_await timer.async_wait(asio::use_awaitable);
  }
  beast_http::response<beast_http::string_body> response(static_cast<beast_http::status>(reply.status), 11);
  response.set(beast_http::field::content_type, "application/json");
  response.body() = reply.body;
  response.keep_alive(false);
  response.prepare_payload();
  co_await beast_http::async_write(socket, response, asio::use_awaitable);
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> listen(FakeOpenAiServer& server, tcp::acceptor& acceptor) {
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
    // A client that gives up (a timeout test) makes the session throw: that is expected, ignore it.
    asio::co_spawn(acceptor.get_executor(), serve(server, std::move(socket)), [](std::exception_ptr) {});
  }
}

}  // namespace

FakeOpenAiServer::FakeOpenAiServer() : impl_(std::make_unique<Impl>()) {
  asio::co_spawn(impl_->io, listen(*this, impl_->acceptor), [](std::exception_ptr) {});
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

FakeOpenAiServer::~FakeOpenAiServer() {
  impl_->io.stop();
  impl_->thread.join();
}

void FakeOpenAiServer::set_reply(Reply reply) {
  std::lock_guard lock(mutex_);
  default_reply_ = std::move(reply);
}

void FakeOpenAiServer::queue_reply(Reply reply) {
  std::lock_guard lock(mutex_);
  queued_.push_back(std::move(reply));
}

FakeOpenAiServer::Reply FakeOpenAiServer::on_request(std::string path, std::string body, std::string authorization) {
  ++requests_;
  std::lock_guard lock(mutex_);
  last_path_ = std::move(path);
  last_body_ = std::move(body);
  last_authorization_ = std::move(authorization);
  if (queued_.empty()) return default_reply_;
  Reply next = std::move(queued_.front());
  queued_.pop_front();
  return next;
}

std::string FakeOpenAiServer::base_url() const { return "http://127.0.0.1:" + std::to_string(impl_->port) + "/v1"; }

std::string FakeOpenAiServer::last_path() const {
  std::lock_guard lock(mutex_);
  return last_path_;
}

std::string FakeOpenAiServer::last_body() const {
  std::lock_guard lock(mutex_);
  return last_body_;
}

std::string FakeOpenAiServer::last_authorization() const {
  std::lock_guard lock(mutex_);
  return last_authorization_;
}

std::string embedding_reply(const std::string& values_json) {
  auto values = nlohmann::json::parse(values_json);
  return nlohmann::json{
      {"object", "list"},
      {"data", nlohmann::json::array({{{"object", "embedding"}, {"index", 0}, {"embedding", values}}})},
      {"model", "fake"},
      {"usage", {{"prompt_tokens", 1}, {"total_tokens", 1}}}}
      .dump();
}

std::string chat_reply(const std::string& content) {
  return nlohmann::json{
      {"id", "chatcmpl-fake"},
      {"object", "chat.completion"},
      {"choices",
       nlohmann::json::array(
           {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}}})}}
      .dump();
}

}  // namespace pm::test
