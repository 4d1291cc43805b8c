#pragma once
// The HTTP/1.1 server (Boost.Beast, C++20 coroutines). I/O threads only read and write sockets
// (and answer the few routes that never wait: Router::add_never_waiting);
// every handler runs on a separate pool of handler threads, so a slow SQL or Redis call never
// stalls other connections. Graceful stop: stop accepting, close idle keep-alive connections,
// let in-flight requests finish (bounded by the grace period). On SIGTERM/SIGINT the stop may be
// preceded by a drain delay, during which the node still serves but tells its load balancer
// (through /readyz) that it is going.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "core/config.hpp"
#include "core/mutex.hpp"
#include "http/connection_slots.hpp"
#include "http/cors.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

namespace pm::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int io_threads = 2;
  int handler_threads = 16;
  std::size_t max_body_bytes = 1 << 20;
  Millis read_timeout{15000};
  Millis write_timeout{15000};
  Millis idle_timeout{60000};
  Millis shutdown_grace{20000};
  Millis drain_delay{0};  // PM_DRAIN_DELAY_MS: see run_until_signal
  std::vector<std::string> trusted_proxies;
  std::string cors_origins;  // PM_CORS_ORIGINS (http/cors.hpp)
  // PM_PUBLIC_URL is https: every answer tells browsers to use nothing else for a year
  // (Strict-Transport-Security), so a typed http:// address or a downgrade cannot read a session.
  bool https_only = false;
  // Open connections from one client address (trusted proxies aside); one more is closed at once.
  int max_connections_per_ip = 100;

  static ServerOptions from(const Config& config);
};

// Takes over connections that ask to upgrade (WebSocket) on one path. `accept` runs on the
// connection's I/O strand and owns the stream from then on; it must not block (it gets the
// handler pool for blocking work). It keeps the connection's slot (its place in its client's
// count of connections) until the connection ends. `stop` is called when the server begins to stop and must
// close every connection it took, so the I/O threads can finish.
struct UpgradeHandler {
  std::string path;
  std::function<void(boost::beast::tcp_stream stream, Request request, boost::asio::thread_pool& handlers,
                     ConnectionSlot slot)>
      accept;
  std::function<void()> stop;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads; throws std::system_error if the port is taken.
  void start();
  // The bound port (useful with port 0).
  std::uint16_t port() const { return port_; }
  // Begins a graceful stop; returns at once. Safe from any thread.
  void stop();
  // Blocks until every connection has closed (or the grace period ran out) and threads are joined.
  void wait();
  // start(), then serve until SIGINT or SIGTERM, then stop gracefully. With a drain delay,
  // `draining` is called at the signal (the node reports not-ready from then on), requests are
  // served as before for drain_delay, then the server stops; a second signal stops it at once.
  void run_until_signal(std::function<void()> draining = {});

  // Before start(): hand upgrade requests for handler.path to it (one upgrade path per server).
  void set_upgrade(UpgradeHandler handler) { upgrade_ = std::move(handler); }
  // Before start(): who may send a body larger than PM_MAX_BODY_BYTES (a photo). Asked on the handler
  // pool after the request's header, before its body is read: a stranger cannot make the server
  // take megabytes. Without a gate, anyone may.
  using BodyGate = std::function<bool(const Request& header_only)>;
  void set_large_body_gate(BodyGate gate) { large_body_gate_ = std::move(gate); }
  bool may_send_large_body(const Request& header_only) const;
  const UpgradeHandler* upgrade_for(const Request& request) const;
  // A refusal made after the request's header was read (its body too large, or too large for a
  // caller without a session) answers an allowed origin as every answer does: its page can read why.
  void allow_origin(const Request& header_only, Response& refusal) const { cors_.decorate(header_only, refusal); }
  // Resolves the client's address (trusted proxies) and names the request (X-Request-Id).
  void identify(Request& request) const;
  // Whether `ip` (a plain address) is one of PM_TRUSTED_PROXIES.
  bool trusted_proxy(std::string_view ip) const;

  // Whether the request's route never waits, so it is handled on the I/O thread (Router).
  bool never_waits(const Request& request) const { return router_.never_waits(request.method(), request.path()); }
  // Runs the middleware and the handler for one request (exposed for the session code and tests).
  Response handle(Request& request);
  // The body limit for a request with this method and target.
  std::size_t body_limit(Method method, std::string_view target) const;
  std::size_t largest_body_limit() const { return router_.largest_body_limit(options_.max_body_bytes); }

 private:
  struct Session;
  void accept();
  void begin_session(boost::asio::ip::tcp::socket socket);
  bool set_busy(Session& session, bool busy);  // false: the server is stopping, end the session
  void session_ended(std::uint64_t id);

  ServerOptions options_;
  CorsPolicy cors_;
  UpgradeHandler upgrade_;
  BodyGate large_body_gate_;
  const Router& router_;
  Metrics& metrics_;
  // One io_context per I/O thread, each run by its thread alone, a connection on one of them for
  // its whole life: its handlers never run concurrently without a strand (a strand's executor,
  // copied at every step of a coroutine, showed in the server's profile: docs/benchmarks.md).
  std::vector<std::unique_ptr<boost::asio::io_context>> ios_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> working_;
  std::size_t next_io_ = 0;  // round robin of new connections (the acceptor's thread only)
  boost::asio::thread_pool handlers_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer grace_timer_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;

  Mutex sessions_mutex_;  // also guards each Session's `busy`
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_ PM_GUARDED_BY(sessions_mutex_);
  std::uint64_t next_session_id_ PM_GUARDED_BY(sessions_mutex_) = 0;
  std::shared_ptr<ConnectionSlots> slots_;  // PM_MAX_CONNECTIONS_PER_IP
  bool stopping_ PM_GUARDED_BY(sessions_mutex_) = false;
};

}  // namespace pm::http
