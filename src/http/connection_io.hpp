#pragma once
// The socket side of an HTTP connection (http/connection.cpp): reading a request, writing a
// response. Each is its own file because Beast's composed reads and writes, instantiated for
// coroutines, are most of the HTTP server's compile time; apart, they build in parallel and an
// edit to the connection loop recompiles neither.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/config.hpp"
#include "http/message.hpp"

namespace pm::http {

using RequestParser = beast_http::request_parser<beast_http::string_body>;

// Reads a request's header, or its body once the header has been read; at most `timeout`.
boost::asio::awaitable<boost::beast::error_code> read_header(boost::beast::tcp_stream& stream,
                                                             boost::beast::flat_buffer& buffer, RequestParser& parser,
                                                             Millis timeout);
boost::asio::awaitable<boost::beast::error_code> read_body(boost::beast::tcp_stream& stream,
                                                           boost::beast::flat_buffer& buffer, RequestParser& parser,
                                                           Millis timeout);

// Writes the response (already prepared); at most `timeout`.
boost::asio::awaitable<boost::beast::error_code> write_response(boost::beast::tcp_stream& stream, Response& response,
                                                                Millis timeout);

// After refusing a request whose body we did not read, reads and drops what the client still
// sends (briefly) before closing, so it receives our answer instead of a connection reset.
boost::asio::awaitable<void> linger(boost::beast::tcp_stream& stream);

}  // namespace pm::http
