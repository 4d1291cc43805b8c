#pragma once
// One HTTP connection's life, as a coroutine on its strand: read a request, hand it to the handler
// pool, write the response, repeat; or give the connection to the upgrade handler (WebSocket).
// Apart from http/server.cpp because Beast's reads and writes, instantiated for coroutines, are
// most of the HTTP server's compile time: an edit to the server does not wait for them.

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "http/server.hpp"

namespace pm::http {

// `keep` holds the session alive while the coroutine runs, `remote_ip` is the peer's address (plain:
// client_address.hpp), `slot` its place in its client's count (handed on at an upgrade);
// `set_busy(b)` marks whether a request is in progress and returns false once the server is
// stopping (the connection then ends).
boost::asio::awaitable<void> serve_connection(Server& server, const ServerOptions& options,
                                              boost::asio::thread_pool& handlers, std::shared_ptr<void> keep,
                                              boost::beast::tcp_stream& stream, std::string remote_ip,
                                              ConnectionSlot slot, std::function<bool(bool)> set_busy,
                                              Metrics& metrics);

}  // namespace pm::http
