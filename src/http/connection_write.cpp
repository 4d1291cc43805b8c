// Writing a response, and draining a refused request (http/connection_io.hpp).

#include <array>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>

#include "http/connection_io.hpp"

namespace pm::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

asio::awaitable<beast::error_code> write_response(beast::tcp_stream& stream, Response& response, Millis timeout) {
  beast::error_code ec;
  stream.expires_after(timeout);
  co_await beast_http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

asio::awaitable<void> linger(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 65536> sink;
  std::size_t total = 0;
  stream.expires_after(std::chrono::seconds(2));
  while (!ec && total < (64u << 20)) {
    total += co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace pm::http
