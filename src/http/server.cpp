#include "http/server.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/core/demangle.hpp>

#include <fmt/format.h>

#include "core/actor.hpp"
#include "core/client_address.hpp"
#include "core/log.hpp"
#include "http/connection.hpp"
#include "http/request_id.hpp"

namespace pm::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

ServerOptions ServerOptions::from(const Config& c) {
  std::vector<std::string> proxies;
  for (std::string_view rest = c.trusted_proxies; !rest.empty();) {
    auto comma = rest.find(',');
    auto ip = rest.substr(0, comma);
    if (!ip.empty()) proxies.push_back(plain_address(ip));  // compared with plain addresses
    rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
  }
  return {.host = c.http_host,
          .port = c.http_port,
          .io_threads = c.io_threads,
          .handler_threads = c.handler_threads,
          .max_body_bytes = c.max_body_bytes,
          .read_timeout = c.read_timeout,
          .write_timeout = c.write_timeout,
          .idle_timeout = c.idle_timeout,
          .shutdown_grace = c.shutdown_grace,
          .drain_delay = c.drain_delay,
          .trusted_proxies = std::move(proxies),
          .cors_origins = c.cors_origins,
          .https_only = c.public_url.starts_with("https://"),
          .max_connections_per_ip = c.max_connections_per_ip};
}

struct Server::Session {
  Session(std::uint64_t id, tcp::socket socket) : id(id), stream(std::move(socket)) {}
  std::uint64_t id;
  beast::tcp_stream stream;  // its executor: the io_context of one I/O thread
  bool busy = false;         // a request is being handled; guarded by sessions_mutex_
};

namespace {

// A client may name its request (X-Request-Id) so its logs and ours line up; anything odd is replaced.
bool usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

std::vector<std::unique_ptr<asio::io_context>> io_contexts(int threads) {
  std::vector<std::unique_ptr<asio::io_context>> out;
  for (int i = 0; i < std::max(threads, 1); ++i) out.push_back(std::make_unique<asio::io_context>(1));
  return out;
}

std::string_view method_name(Method m) {
  auto s = beast_http::to_string(m);
  return {s.data(), s.size()};
}

}  // namespace

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : options_(std::move(options)),
      cors_(options_.cors_origins),
      router_(router),
      metrics_(metrics),
      ios_(io_contexts(options_.io_threads)),
      handlers_(static_cast<std::size_t>(options_.handler_threads)),
      acceptor_(*ios_.front()),
      grace_timer_(*ios_.front()),
      slots_(std::make_shared<ConnectionSlots>(options_.max_connections_per_ip)) {}

Server::~Server() {
  stop();
  wait();
}

void Server::start() {
  tcp::endpoint endpoint(asio::ip::make_address(options_.host), options_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
  accept();
  // Until stop(), a context without connections waits for some instead of returning.
  for (auto& io : ios_) {
    working_.push_back(asio::make_work_guard(*io));
    threads_.emplace_back([&io = *io] { io.run(); });
  }
  log::info("http_listening", {{"host", options_.host},
                               {"port", port_},
                               {"io_threads", options_.io_threads},
                               {"handler_threads", options_.handler_threads}});
}

void Server::accept() {
  auto& io = *ios_[next_io_++ % ios_.size()];
  acceptor_.async_accept(io, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      // Small responses and events go out at once instead of waiting for the peer's delayed ACK
      // (Nagle's algorithm held a second frame ~40 ms behind the first).
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      begin_session(std::move(socket));
    } else
      log::warn("http_accept_failed", {{"error", ec.message()}});
    accept();
  });
}

void Server::begin_session(tcp::socket socket) {
  boost::system::error_code ec;
  const std::string ip = plain_address(socket.remote_endpoint(ec).address().to_string());
  // A proxy carries many clients' connections: only direct clients are counted.
  std::optional<ConnectionSlot> slot = trusted_proxy(ip) ? ConnectionSlot() : slots_->take(ip);
  if (!slot) {
    metrics_.connection_refused();
    return;  // one client holding every socket (and a body buffer on each) would starve the rest
  }
  std::shared_ptr<Session> session;
  {
    MutexLock lock(sessions_mutex_);
    if (stopping_) return;  // the socket closes as it goes out of scope
    session = std::make_shared<Session>(next_session_id_++, std::move(socket));
    sessions_[session->id] = session;
  }
  auto executor = session->stream.get_executor();
  asio::co_spawn(executor,
                 serve_connection(
                     *this, options_, handlers_, session, session->stream, ip, std::move(*slot),
                     [this, s = session.get()](bool busy) { return set_busy(*s, busy); }, metrics_),
                 [this, id = session->id](std::exception_ptr e) {
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       log::error("http_session_failed", {{"exception", boost::core::demangle(typeid(ex).name())}});
                     }
                   }
                   session_ended(id);
                 });
}

bool Server::may_send_large_body(const Request& header_only) const {
  return !large_body_gate_ || large_body_gate_(header_only);
}

bool Server::set_busy(Session& session, bool busy) {
  MutexLock lock(sessions_mutex_);
  session.busy = busy;
  return !stopping_;
}

void Server::session_ended(std::uint64_t id) {
  MutexLock lock(sessions_mutex_);
  sessions_.erase(id);
  if (stopping_ && sessions_.empty()) asio::post(grace_timer_.get_executor(), [this] { grace_timer_.cancel(); });
}

void Server::stop() {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    MutexLock lock(sessions_mutex_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [id, weak] : sessions_)
      if (auto s = weak.lock()) sessions.push_back(std::move(s));
  }
  log::info("http_stopping", {{"open_connections", sessions.size()}});
  // From now on each I/O thread ends once its connections have (no new ones come).
  for (auto& guard : working_) guard.reset();
  if (upgrade_.stop) upgrade_.stop();
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  // Idle keep-alive connections are closed now; busy ones close after their response.
  for (auto& s : sessions) {
    asio::post(s->stream.get_executor(), [this, s] {
      bool idle;
      {
        MutexLock lock(sessions_mutex_);
        idle = !s->busy;
      }
      if (idle) {
        beast::error_code ec;
        s->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        s->stream.socket().close(ec);
      }
    });
  }
  asio::post(grace_timer_.get_executor(), [this] {
    {
      MutexLock lock(sessions_mutex_);
      if (sessions_.empty()) return;
    }
    grace_timer_.expires_after(options_.shutdown_grace);
    grace_timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;  // cancelled: every connection finished in time
      log::warn("http_shutdown_grace_expired", {{"grace_ms", options_.shutdown_grace.count()}});
      for (auto& io : ios_) io->stop();
    });
  });
}

void Server::wait() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  handlers_.join();
}

void Server::run_until_signal(std::function<void()> draining) {
  // One strand: a second signal and the drain timer's end cannot run at once.
  auto strand = asio::make_strand(*ios_.front());
  asio::signal_set signals(strand, SIGINT, SIGTERM);
  asio::steady_timer drain_timer(strand);
  std::function<void(beast::error_code, int)> on_signal = [&](beast::error_code ec, int signal) {
    if (ec) return;
    const bool first = !drain_timer.expiry().time_since_epoch().count();
    log::info("signal_received", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    if (!first || options_.drain_delay.count() <= 0) {
      drain_timer.cancel();
      return stop();
    }
    // Keep serving while the load balancer's health checks see /readyz fail and take this node
    // out; only then stop accepting, so no client is refused or cut on the way.
    if (draining) draining();
    log::info("http_draining", {{"drain_delay_ms", options_.drain_delay.count()}});
    drain_timer.expires_after(options_.drain_delay);
    drain_timer.async_wait([this, &signals](beast::error_code e) {
      if (e) return;
      signals.cancel();  // (a pending wait would keep the I/O threads from finishing)
      stop();
    });
    signals.async_wait(on_signal);  // a second signal: stop now
  };
  signals.async_wait(on_signal);
  start();
  wait();
}

std::size_t Server::body_limit(Method method, std::string_view target) const {
  return router_.body_limit(method, target.substr(0, target.find('?')), options_.max_body_bytes);
}

bool Server::trusted_proxy(std::string_view ip) const {
  return std::find(options_.trusted_proxies.begin(), options_.trusted_proxies.end(), ip) !=
         options_.trusted_proxies.end();
}

void Server::identify(Request& req) const {
  // Behind a trusted proxy the client is the last address it added to X-Forwarded-For: the last
  // address of the last such field. (HAProxy's `option forwardfor` adds a field of its own after
  // any the client sent, rather than appending to theirs: the first field is the client's word.)
  if (trusted_proxy(req.remote_ip)) {
    std::string_view forwarded;
    for (auto [field, end] = req.raw.equal_range("X-Forwarded-For"); field != end; ++field) forwarded = field->value();
    auto last = forwarded.substr(forwarded.rfind(',') + 1);
    while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(std::string(last), ec);
    if (!ec) req.remote_ip = plain_address(address.to_string());
  }
  auto incoming = req.header("X-Request-Id");
  req.request_id = usable_request_id(incoming) ? std::string(incoming) : new_request_id();
}

const UpgradeHandler* Server::upgrade_for(const Request& req) const {
  if (!upgrade_.accept || !beast::websocket::is_upgrade(req.raw)) return nullptr;
  return req.path() == upgrade_.path ? &upgrade_ : nullptr;
}

Response Server::handle(Request& req) {
  const auto started = std::chrono::steady_clock::now();
  metrics_.request_started();
  identify(req);
  // Nobody yet, with this request's id and address (the audit log's); auth::authed narrows it to
  // the caller, the auth module's public routes widen it to the system (docs/security.md).
  actor::Scope scope(actor::Scope::request(req.request_id, req.remote_ip));

  auto match = router_.match(req.method(), req.path());
  Response res;
  if (CorsPolicy::is_preflight(req)) {
    match.route = "(cors preflight)";
    res = cors_.preflight_response(req);
  } else if (!match.handler) {
    if (match.status == Status::method_not_allowed) {
      res = problem_response(
          Problem("method-not-allowed", fmt::format("{} is not allowed on {}; allowed: {}", method_name(req.method()),
                                                    match.route, match.allow)),
          req.request_id);
      res.set(beast_http::field::allow, match.allow);
    } else {
      res = problem_response(
          Problem("not-found", fmt::format("there is no {} {}", method_name(req.method()), req.path())),
          req.request_id);
    }
  } else if (auto bad_query = req.query_problem()) {
    res = problem_response(*bad_query, req.request_id);
  } else {
    req.params = std::move(match.params);
    try {
      res = (*match.handler)(req);
    } catch (const std::exception& e) {
      // The exception's text may quote data (SQL errors do): only its type is logged.
      log::error("http_handler_exception", {{"request_id", req.request_id},
                                            {"route", match.route},
                                            {"exception", boost::core::demangle(typeid(e).name())}});
      res = problem_response(Problem("internal", "an unexpected error occurred; quote the instance when reporting it"),
                             req.request_id);
    }
  }
  req.route = match.route;
  cors_.decorate(req, res);
  res.set("X-Request-Id", req.request_id);
  res.set("X-Content-Type-Options", "nosniff");
  if (options_.https_only) res.set("Strict-Transport-Security", "max-age=31536000");
  // The API's answers are one person's data (a profile, messages, a session token): no browser or
  // proxy cache keeps them unless a route says otherwise (signed media URLs do).
  if (req.is_api() && res.find(beast_http::field::cache_control) == res.end())
    res.set(beast_http::field::cache_control, "no-store");

  auto latency = std::chrono::steady_clock::now() - started;
  int status = static_cast<int>(res.result_int());
  auto method = method_name(req.method());
  metrics_.observe(method, req.route, status, latency);
  metrics_.request_finished();
  if (log::enabled(log::Level::info))  // (the fields are not built for nothing)
    log::info("http_request", {{"request_id", req.request_id},
                               {"method", method},
                               {"route", req.route},
                               {"status", status},
                               {"latency_ms", std::chrono::duration<double, std::milli>(latency).count()}});
  return res;
}

}  // namespace pm::http
