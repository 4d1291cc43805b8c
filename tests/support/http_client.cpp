#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace pm::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string HttpResult::header(const std::string& name) const {
  std::string key;
  for (char c : name) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = headers.find(key);
  return it == headers.end() ? std::string{} : it->second;
}

struct HttpConnection::Impl {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;

  HttpResult read() {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    stream.expires_after(std::chrono::seconds(30));
    bhttp::read(stream, buffer, parser);
    auto res = parser.release();
    HttpResult out{.status = static_cast<int>(res.result_int()), .body = res.body()};
    for (const auto& field : res) {
      std::string key;
      for (char c : field.name_string()) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[key] = std::string(field.value());
    }
    return out;
  }
};

HttpConnection::HttpConnection(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
}

HttpConnection::~HttpConnection() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
}

HttpResult HttpConnection::request(const std::string& method, const std::string& target, const std::string& body,
                                   const Headers& headers) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "localhost");
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req.set(k, v);
    has_type = has_type || beast::iequals(k, "content-type");
  }
  if (!body.empty() && !has_type) req.set(bhttp::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  impl_->stream.expires_after(std::chrono::seconds(30));
  bhttp::write(impl_->stream, req);
  return impl_->read();
}

HttpResult HttpConnection::raw(const std::string& bytes) {
  asio::write(impl_->stream.socket(), asio::buffer(bytes));
  return impl_->read();
}

bool HttpConnection::is_open() const { return impl_->stream.socket().is_open(); }

HttpResult http(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                const Headers& headers) {
  HttpConnection conn(port);
  return conn.request(method, target, body, headers);
}

}  // namespace pm::test
