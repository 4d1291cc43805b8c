#include "support/http_client.hpp"

#include <sstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "support/contract_log.hpp"

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

namespace {

// The request line and headers of hand-made bytes, as far as they parse, for the contract log.
void record_raw(const std::string& bytes, const HttpResult& result) {
  std::string method, target;
  Headers sent;
  std::size_t at = 0;
  for (bool first = true;; first = false) {
    auto end = bytes.find("\r\n", at);
    if (end == std::string::npos || end == at) break;
    std::string_view line(bytes.data() + at, end - at);
    at = end + 2;
    if (first) {
      auto sp = line.find(' ');
      method = std::string(line.substr(0, sp));
      if (sp != std::string_view::npos) target = std::string(line.substr(sp + 1, line.find(' ', sp + 1) - sp - 1));
    } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      sent.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
  }
  contract_log::record(contract_log::http_exchange(method, target, sent, result.status,
                                                   {result.headers.begin(), result.headers.end()}, result.body, true));
}

}  // namespace

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
  auto result = impl_->read();
  if (contract_log::enabled()) {
    Headers sent;
    for (const auto& field : req) sent.emplace_back(std::string(field.name_string()), std::string(field.value()));
    contract_log::record(contract_log::http_exchange(
        method, target, sent, result.status, {result.headers.begin(), result.headers.end()}, result.body, false));
  }
  return result;
}

HttpResult HttpConnection::raw(const std::string& bytes) {
  asio::write(impl_->stream.socket(), asio::buffer(bytes));
  auto result = impl_->read();
  if (contract_log::enabled()) record_raw(bytes, result);
  return result;
}

bool HttpConnection::is_open() const { return impl_->stream.socket().is_open(); }

HttpResult http(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                const Headers& headers) {
  HttpConnection conn(port);
  return conn.request(method, target, body, headers);
}

long long metric(std::uint16_t port, const std::string& series) {
  std::istringstream lines(http(port, "GET", "/metrics").body);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with(series + " ")) return std::stoll(line.substr(series.size() + 1));
  return -1;
}

}  // namespace pm::test
