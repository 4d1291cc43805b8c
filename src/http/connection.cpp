#include "http/connection.hpp"

#include <array>
#include <memory>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <fmt/format.h>

#include "core/log.hpp"
#include "core/text.hpp"
#include "http/request_id.hpp"

// GCC 12 pairs the coroutine frame's operator new (Asio's recycling allocator) with the global
// operator delete when it inlines the frame's allocation into an externally visible coroutine, and
// warns of a mismatch that is not there: Asio allocates and frees the frame through its own pair.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace pm::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

// After refusing a request whose body we did not read, read and drop what the client still sends
// (briefly) before closing, so it receives our answer instead of a connection reset.
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

// A parse error of Beast's HTTP category, other than the peer closing the connection.
bool is_malformed_request(const beast::error_code& ec) {
  static const auto& http_category = beast_http::make_error_code(beast_http::error::bad_target).category();
  return ec && ec.category() == http_category && ec != beast_http::error::end_of_stream &&
         ec != beast_http::error::partial_message;
}

// Whether the request's body coding is one this server reads: none, or "chunked" alone. Beast takes
// a body whose last coding is not chunked ("identity", "gzip", "chunked, identity") to be absent,
// and its bytes would be read as the next request on the connection: one request smuggled in
// another, behind a proxy that reads the header otherwise. RFC 9112 6.3: a 400, and the
// connection closed.
bool readable_transfer_coding(const beast_http::request_parser<beast_http::string_body>& parser) {
  const auto& fields = parser.get();
  const auto n = fields.count(beast_http::field::transfer_encoding);
  if (n == 0) return true;
  if (n > 1) return false;
  return beast::iequals(ascii_trim(fields[beast_http::field::transfer_encoding]), "chunked");
}

// The status line and fields of `res`, as Beast's serializer writes them, ending in the empty line.
std::string header_bytes(const Response& res) {
  std::string out = fmt::format("HTTP/{}.{} {} ", res.version() / 10, res.version() % 10, res.result_int());
  out += res.reason();
  out += "\r\n";
  for (const auto& field : res) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

Response early_problem(Metrics& metrics, const Problem& problem) {
  auto id = new_request_id();
  auto res = problem_response(problem, id);
  res.set("X-Request-Id", id);
  // As Server::handle's answers have them (this one never reaches it): a refusal is kept by no cache.
  res.set("X-Content-Type-Options", "nosniff");
  res.set(beast_http::field::cache_control, "no-store");
  metrics.observe("UNKNOWN", "(rejected)", problem.status, std::chrono::nanoseconds(0));
  log::info("http_request",
            {{"request_id", id}, {"route", "(rejected)"}, {"status", problem.status}, {"problem", problem.type}});
  return res;
}

}  // namespace

asio::awaitable<void> serve_connection(Server& server, const ServerOptions& options, asio::thread_pool& handlers,
                                       std::shared_ptr<void> keep, beast::tcp_stream& stream, std::string remote_ip,
                                       ConnectionSlot slot, std::function<bool(bool)> set_busy, Metrics& metrics) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  const std::size_t largest_body = server.largest_body_limit();  // (the routes are fixed)
  for (;;) {
    if (!set_busy(false)) break;  // stopping: no new request on this connection
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(16 * 1024);
    // The header is read under the largest limit any route has; its route's own limit applies next.
    parser.body_limit(largest_body);
    std::size_t limit = options.max_body_bytes;

    stream.expires_after(options.idle_timeout);
    co_await beast_http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) set_busy(true);
    // A Content-Length past every route's limit fails the header's read (the request line is read
    // by then): the 413 names its route's limit, not the default one.
    if (ec == beast_http::error::body_limit && !parser.get().target().empty())
      limit = server.body_limit(parser.get().method(), parser.get().target());
    if (!ec && !readable_transfer_coding(parser)) ec = beast_http::error::bad_transfer_encoding;
    if (!ec && !parser.is_done()) {  // a body follows (most requests have none)
      limit = server.body_limit(parser.get().method(), parser.get().target());
      parser.body_limit(limit);
      if (parser.content_length() && *parser.content_length() > limit) ec = beast_http::error::body_limit;
    }
    bool stranger = false;
    if (!ec && limit > options.max_body_bytes) {
      // A large body (a photo) is read only for a caller the gate lets through (a valid session):
      // asked before reading it, on the handler pool (it may ask Redis).
      Request head{.raw = parser.get(), .remote_ip = remote_ip};
      stranger = !co_await asio::co_spawn(
          handlers, [&]() -> asio::awaitable<bool> { co_return server.may_send_large_body(head); },
          asio::use_awaitable);
    }
    if (!ec && !stranger && !parser.is_done()) {
      // Not the stream's own expiry, which closes the socket: a timer that cancels the read leaves
      // it open for the 408. (Both run on the connection's one-threaded io_context; the state says
      // whether the read is still waiting when the timer fires, whichever completes first.)
      stream.expires_never();
      auto waiting = std::make_shared<bool>(true);
      auto timed_out = std::make_shared<bool>(false);
      asio::steady_timer deadline(stream.get_executor(), options.read_timeout);
      deadline.async_wait([waiting, timed_out, socket = &stream.socket()](const beast::error_code& e) {
        if (e || !*waiting) return;
        *timed_out = true;
        beast::error_code ignored;
        socket->cancel(ignored);
      });
      co_await beast_http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      *waiting = false;
      deadline.cancel();
      // (A read that completed as the timer fired keeps its result.)
      if (*timed_out && ec == asio::error::operation_aborted) ec = beast::error::timeout;
    }

    Response res;
    bool close = false;
    // A response to HEAD has the headers a GET's would (Content-Length included) and no body: one
    // sent anyway would be read as the start of the next response on this connection.
    bool head_only = false;
    if (stranger || ec == beast_http::error::body_limit) {
      res = early_problem(
          metrics,
          stranger
              ? Problem("unauthenticated", "a body this large is accepted only with a valid session token; sign in")
              : Problem("body-too-large", fmt::format("the request body exceeds the limit of {} bytes", limit)));
      server.allow_origin(Request{.raw = parser.release(), .remote_ip = remote_ip}, res);
      close = true;  // the body was not read (whole)
    } else if (ec == beast::error::timeout && parser.is_header_done()) {
      // The body did not come in time (a client trickling it to hold the connection): said, then
      // closed. (A header that never came is an idle connection, closed without a word.)
      res = early_problem(
          metrics,
          Problem("request-timeout",
                  fmt::format("the request body did not arrive within {} ms",
                              std::chrono::duration_cast<std::chrono::milliseconds>(options.read_timeout).count())));
      server.allow_origin(Request{.raw = parser.release(), .remote_ip = remote_ip}, res);
      close = true;
    } else if (ec == beast_http::error::header_limit) {
      res = early_problem(metrics, Problem("headers-too-large", "the request headers exceed 16 KiB"));
      close = true;
    } else if (is_malformed_request(ec)) {
      res = early_problem(metrics, Problem("malformed-http", "the request is not valid HTTP/1.1: " + ec.message()));
      close = true;
    } else if (ec) {
      break;  // the peer went away, timed out, or the server closed an idle connection
    } else {
      Request req{.raw = parser.release(), .remote_ip = remote_ip};
      head_only = req.raw.method() == beast_http::verb::head;
      if (const auto* upgrade = server.upgrade_for(req)) {
        // The connection leaves HTTP: whatever was read past the request is not expected (a
        // WebSocket client waits for the handshake's answer before sending frames).
        server.identify(req);
        upgrade->accept(std::move(stream), std::move(req), handlers, std::move(slot));
        co_return;
      }
      close = !req.raw.keep_alive();
      if (server.never_waits(req))
        res = server.handle(req);
      else
        res = co_await asio::co_spawn(
            handlers, [&]() -> asio::awaitable<Response> { co_return server.handle(req); }, asio::use_awaitable);
    }

    if (!set_busy(true)) close = true;  // stopping: this is the connection's last response
    res.keep_alive(!close);
    res.prepare_payload();
    stream.expires_after(options.write_timeout);
    // The header as one flat buffer beside the body: one send of two buffers. (Beast's serializer
    // walks nested buffer views on every write: a tenth of /healthz's profile.)
    const std::string head = header_bytes(res);
    const std::array<asio::const_buffer, 2> wire{asio::buffer(head),
                                                 head_only ? asio::const_buffer() : asio::buffer(res.body())};
    co_await asio::async_write(stream, wire, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    if (close) {
      if (!parser.is_done()) co_await linger(stream);
      break;
    }
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.socket().close(ec);
  (void)keep;
}

}  // namespace pm::http
