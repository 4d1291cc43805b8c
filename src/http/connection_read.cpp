// Reading a request (http/connection_io.hpp).

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>

#include "http/connection_io.hpp"

namespace pm::http {

namespace asio = boost::asio;
namespace beast = boost::beast;

asio::awaitable<beast::error_code> read_header(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                               RequestParser& parser, Millis timeout) {
  beast::error_code ec;
  stream.expires_after(timeout);
  co_await beast_http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

asio::awaitable<beast::error_code> read_body(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                             RequestParser& parser, Millis timeout) {
  beast::error_code ec;
  stream.expires_after(timeout);
  co_await beast_http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

}  // namespace pm::http
