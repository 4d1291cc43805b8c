// pm_ws_load: the WebSocket load client of the messaging benchmark (bench/messaging.sh; protocol:
// docs/realtime.md). Reads the pairs `perfectmatch loadtest-pairs` wrote (one JSON line each: a
// conversation and a session token per user).
//
//   pm_ws_load pairs --pairs-file F --node1 HOST:PORT --node2 HOST:PORT --rate R --seconds S [--out report.json]
//       user A of each pair on node 1, user B on node 2; after every socket is ready, offers R
//       message.send frames per second in total (open loop: the schedule never waits for acks),
//       half of them A->B and half B->A at any time; then waits for what is in flight and reports.
//   pm_ws_load idle --pairs-file F --node HOST:PORT --count M
//       opens M sockets on one node, prints "ready N failed F" and holds them (answering the
//       server's pings) until SIGINT/SIGTERM, so the caller can read the server's RSS.
//   pm_ws_load report FILE...
//       merges the reports of several `pairs` processes (shards: --first/--count) and prints them.
//
// Why shards: a process may hold at most `ulimit -n` sockets (20,000 here, the hard limit), and
// 10,000 pairs need 20,000 client sockets. Each shard holds whole pairs, so sender and receiver of
// every message are in one process and one clock.
//
// What is measured, per message g (frame id "m<g>", client_message_id "<run>-m<g>" with a random
// <run> per process, so that a later run's message is never taken for a retry of an earlier one;
// content "load-test message g sent <ns>"):
//   delivery latency: send (frame queued) -> the peer's message.new for it (first copy);
//   ack latency:      send -> the server's ack (the message is committed);
//   lost:             acked but never delivered live to the peer: the drain waits until every
//                     acked message has been delivered or --drain seconds have passed, and says
//                     which ("drain_end"); the lost ones' client_message_ids are in the report
//                     ("lost_client_message_ids") so that bench/messaging.sh can look for them in
//                     PostgreSQL (a real client would resume and find them there);
//   duplicated:       delivered to the peer more than once (same client_message_id);
//   out of order:     a message.new whose seq is below one the socket already saw (each socket sees
//                     the peer's messages; its own come in their acks, and a copy of one, an
//                     "echo", is counted apart: the server sends none since 2026-12-02). Two
//                     senders' messages are published after their commits, from two nodes, so
//                     they may cross.
// The client is single-threaded (one io_context); its CPU time is reported so that a saturated
// client is visible rather than mistaken for server latency.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <sys/resource.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Random per process: see client_message_id above.
const std::string& run_tag() {
  static const std::string tag = fmt::format("{:08x}", std::random_device{}());
  return tag;
}

long long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct User {
  std::string user_id, token;
};
struct Pair {
  std::string conversation_id;
  User a, b;
};

std::vector<Pair> read_pairs(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::vector<Pair> pairs;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = Json::parse(line);
    pairs.push_back({j.at("conversation_id"),
                     {j.at("a").at("user_id"), j.at("a").at("token")},
                     {j.at("b").at("user_id"), j.at("b").at("token")}});
  }
  return pairs;
}

tcp::endpoint endpoint_of(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("expected HOST:PORT, got " + host_port);
  return {asio::ip::make_address(host_port.substr(0, colon)),
          static_cast<unsigned short>(std::stoi(host_port.substr(colon + 1)))};
}

// Per message g: what the sender and the receiver saw.
struct Sent {
  long long sent_ns = 0;
  long long ack_ns = 0;  // 0: no ack yet
  int deliveries = 0;    // peer's message.new frames for it
  bool error = false;
  bool measured = false;  // sent after the warm-up: its latencies count
};

struct Stats {
  std::vector<Sent> sent;
  std::map<std::string, long long> errors;       // problem type of error frames
  std::map<std::string, long long> disconnects;  // why sockets closed before the end
  std::map<std::string, long long> events;       // frames received, by type
  long long seq_regressions = 0, echoes = 0, not_ready_skips = 0, unknown = 0, not_created = 0;
  long long send_start_ns = 0, window_start_ns = 0, window_end_ns = 0, delivered_in_window = 0;
  // Per second since sending started: acks and deliveries, to see the server keep up or fall behind.
  std::vector<long long> acks_per_s, deliveries_per_s;
  void count_at(std::vector<long long>& per_s, long long now) {
    if (!send_start_ns || now < send_start_ns) return;
    const auto i = static_cast<std::size_t>((now - send_start_ns) / 1'000'000'000);
    if (per_s.size() <= i) per_s.resize(i + 1);
    ++per_s[i];
  }
  std::vector<long long> delivery_us, ack_us;
};

class Conn;

// Everything shares one thread: no locks anywhere.
struct World {
  asio::io_context ioc{1};
  Stats stats;
  std::vector<std::unique_ptr<Conn>> conns;
  int connecting = 0, ready = 0, failed = 0, open = 0;
  bool stopping = false;
};

class Conn {
 public:
  Conn(World& w, tcp::endpoint ep, User user, std::string conversation_id)
      : w_(w), ws_(w.ioc), ep_(ep), user_(std::move(user)), conversation_id_(std::move(conversation_id)) {}

  bool ready() const { return ready_; }
  const std::string& conversation_id() const { return conversation_id_; }

  asio::awaitable<void> run() {
    beast::error_code ec;
    auto& tcp_layer = beast::get_lowest_layer(ws_);
    tcp_layer.expires_after(30s);
    co_await tcp_layer.async_connect(ep_, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      // The session token goes in the upgrade request (docs/realtime.md, "Connecting").
      ws_.set_option(websocket::stream_base::decorator([token = user_.token](websocket::request_type& req) {
        req.set(beast::http::field::authorization, "Bearer " + token);
      }));
      co_await ws_.async_handshake(ep_.address().to_string(), "/api/v1/ws",
                                   asio::redirect_error(asio::use_awaitable, ec));
    }
    --w_.connecting;
    if (ec) {
      ++w_.failed;
      ++w_.stats.disconnects["connect: " + ec.message()];
      co_return;
    }
    // From here the server's pings keep the socket alive; Beast answers them while a read is pending.
    tcp_layer.expires_never();
    ws_.set_option(websocket::stream_base::timeout{30s, websocket::stream_base::none(), false});
    ++w_.open;
    beast::flat_buffer buffer;
    for (;;) {
      co_await ws_.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      on_frame(beast::buffers_to_string(buffer.data()));
      buffer.consume(buffer.size());
    }
    --w_.open;
    if (!ready_) ++w_.failed;
    if (!w_.stopping) {
      const auto reason = ws_.reason();
      ++w_.stats.disconnects[reason.code ? fmt::format("closed {} {}", static_cast<int>(reason.code),
                                                       std::string(reason.reason.data(), reason.reason.size()))
                                         : ec.message()];
    }
    ready_ = false;
  }

  void send(std::string frame) {
    outbox_.push_back(std::move(frame));
    if (writing_) return;
    // Set here, not in the writer: co_spawn only queues it, and a second writer on the same
    // stream before the first runs would break Beast's one-write-at-a-time rule.
    writing_ = true;
    asio::co_spawn(w_.ioc, write_all(), asio::detached);
  }

  asio::awaitable<void> close() {
    beast::error_code ec;
    if (ready_) {
      // Bounded by the websocket timeout set after the handshake (and by close_all's deadline).
      co_await ws_.async_close(websocket::close_code::normal, asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  // Ends whatever is still pending on the socket (its coroutines finish with an error).
  void abort() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  // One write at a time per socket (Beast's rule); frames queued meanwhile follow in order.
  asio::awaitable<void> write_all() {
    beast::error_code ec;
    while (!outbox_.empty() && !ec) {
      co_await ws_.async_write(asio::buffer(outbox_.front()), asio::redirect_error(asio::use_awaitable, ec));
      outbox_.pop_front();
    }
    writing_ = false;
  }

  // g from a frame id "m<g>" or a client_message_id "<run>-m<g>" of this run.
  static std::optional<long long> message_number(std::string id) {
    if (id.starts_with(run_tag() + "-")) id.erase(0, run_tag().size() + 1);
    if (id.size() < 2 || id[0] != 'm') return std::nullopt;
    try {
      return std::stoll(id.substr(1));
    } catch (...) {
      return std::nullopt;
    }
  }

  void on_frame(const std::string& text) {
    const long long now = now_ns();
    auto j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ++w_.stats.unknown;
      return;
    }
    const std::string type = j.value("type", "");
    ++w_.stats.events[type];
    auto& sent = w_.stats.sent;
    if (type == "ready") {
      ready_ = true;
      ++w_.ready;
    } else if (type == "ack" || type == "error") {
      auto g = message_number(j.value("id", ""));
      if (!g || *g >= static_cast<long long>(sent.size())) return;
      Sent& s = sent[*g];
      if (type == "error") {
        s.error = true;
        ++w_.stats.errors[j.contains("problem") ? j["problem"].value("type", "?") : "?"];
      } else if (s.ack_ns == 0) {
        s.ack_ns = now;
        w_.stats.count_at(w_.stats.acks_per_s, now);
        if (!j.value("created", true)) ++w_.stats.not_created;  // taken for a retry: never published
        if (s.measured) w_.stats.ack_us.push_back((now - s.sent_ns) / 1000);
      }
    } else if (type == "message.new") {
      const Json& m = j["message"];
      const long long seq = m.value("seq", 0LL);
      // Every socket sees the peer's messages in order (and its own, as echoes, only from a server
      // that still sent them back to the socket they were sent on).
      if (seq <= last_seq_) ++w_.stats.seq_regressions;
      last_seq_ = std::max(last_seq_, seq);
      if (m.value("sender_id", "") == user_.user_id) {
        ++w_.stats.echoes;
        return;
      }
      auto g = message_number(m.value("client_message_id", ""));
      if (!g || *g >= static_cast<long long>(sent.size())) {
        ++w_.stats.unknown;
        return;
      }
      Sent& s = sent[*g];
      if (s.deliveries++ > 0) return;  // a duplicate: counted, not timed
      // The latency comes from the sender's timestamp in the content, as a real client would have it.
      const std::string content = m.value("content", "");
      const auto at = content.rfind(' ');
      const long long sent_ns = at == std::string::npos ? s.sent_ns : std::stoll(content.substr(at + 1));
      if (s.measured) w_.stats.delivery_us.push_back((now - sent_ns) / 1000);
      w_.stats.count_at(w_.stats.deliveries_per_s, now);
      if (now >= w_.stats.window_start_ns && (w_.stats.window_end_ns == 0 || now < w_.stats.window_end_ns))
        ++w_.stats.delivered_in_window;
    }
  }

  World& w_;
  websocket::stream<beast::tcp_stream> ws_;
  tcp::endpoint ep_;
  User user_;
  std::string conversation_id_;
  std::deque<std::string> outbox_;
  bool writing_ = false, ready_ = false;
  // Highest seq seen: starts at the conversation's current last seq, unknown here, so the first
  // message.new only sets it (-1 = none seen yet).
  long long last_seq_ = -1;
};

asio::awaitable<void> sleep_for(Clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

// Opens every socket, at most `concurrency` handshakes at a time (a burst of thousands of SYNs
// would overflow the server's accept backlog and measure that instead), then waits until each is
// ready or failed, or `timeout` passes.
asio::awaitable<void> connect_all(World& w, int concurrency, Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  for (auto& c : w.conns) {
    while (w.connecting >= concurrency) co_await sleep_for(1ms);
    ++w.connecting;
    asio::co_spawn(w.ioc, c->run(), asio::detached);
  }
  while (w.ready + w.failed < static_cast<int>(w.conns.size()) && Clock::now() < deadline) co_await sleep_for(10ms);
}

asio::awaitable<void> close_all(World& w) {
  w.stopping = true;
  for (auto& c : w.conns) asio::co_spawn(w.ioc, c->close(), asio::detached);
  const auto deadline = Clock::now() + 5s;
  while (w.open > 0 && Clock::now() < deadline) co_await sleep_for(10ms);
  // No io_context::stop(): every coroutine must end while its Conn is alive, after which run()
  // returns by itself.
  for (auto& c : w.conns) c->abort();
}

struct LoadOptions {
  double rate = 100;
  double seconds = 20, warmup = 5, drain = 300;
  double start_at = 0;  // unix time: shards start sending together
};

std::string frame_for(const std::string& conversation_id, long long g, long long t) {
  const std::string id = fmt::format("m{}", g);
  return Json{{"type", "message.send"},
              {"id", id},
              {"conversation_id", conversation_id},
              {"client_message_id", run_tag() + "-" + id},
              {"content", fmt::format("load-test message {} sent {}", g, t)}}
      .dump();
}

// The open-loop schedule: every millisecond, send what is due by then at `rate`. Message g goes
// to pair g % pairs in round g / pairs, from A in even rounds of even pairs and odd rounds of odd
// ones: each pair alternates directions, and at any moment half the messages leave from each node.
asio::awaitable<void> offer_load(World& w, const LoadOptions& o, Json& report, double& cpu_at_start) {
  auto connect_started = Clock::now();
  co_await connect_all(w, 256,
                       std::chrono::seconds(120) + std::chrono::milliseconds(static_cast<long>(w.conns.size())) * 2);
  const double connect_s = std::chrono::duration<double>(Clock::now() - connect_started).count();
  std::cerr << fmt::format("pm_ws_load: {} sockets ready, {} failed, in {:.1f} s\n", w.ready, w.failed, connect_s);
  report["sockets"] = w.conns.size();
  report["connected"] = w.ready;
  report["connect_failed"] = w.failed;
  report["connect_seconds"] = connect_s;
  if (o.start_at > 0) {
    const double wait = o.start_at - static_cast<double>(std::time(nullptr));
    if (wait > 0) co_await sleep_for(std::chrono::milliseconds(static_cast<long>(wait * 1000)));
  }
  cpu_at_start = cpu_seconds();

  const std::size_t pairs = w.conns.size() / 2;
  const long long total = static_cast<long long>(o.rate * (o.warmup + o.seconds));
  w.stats.sent.resize(static_cast<std::size_t>(total));
  const auto start = Clock::now();
  const long long start_ns = now_ns();
  w.stats.send_start_ns = start_ns;
  w.stats.window_start_ns = start_ns + static_cast<long long>(o.warmup * 1e9);
  w.stats.window_end_ns = w.stats.window_start_ns + static_cast<long long>(o.seconds * 1e9);
  asio::steady_timer tick(w.ioc);
  long long g = 0;
  while (g < total) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const long long due = std::min(total, static_cast<long long>(elapsed * o.rate));
    for (; g < due; ++g) {
      const std::size_t pair = static_cast<std::size_t>(g) % pairs,
                        side = (pair + static_cast<std::size_t>(g) / pairs) % 2;
      Conn& from = *w.conns[2 * pair + side];
      if (!from.ready()) {
        ++w.stats.not_ready_skips;  // its socket closed: nothing to send on
        continue;
      }
      const long long t = now_ns();
      w.stats.sent[g] = {.sent_ns = t, .measured = t >= w.stats.window_start_ns};
      from.send(frame_for(from.conversation_id(), g, t));
    }
    tick.expires_after(1ms);
    co_await tick.async_wait(asio::use_awaitable);
  }
  // Drain: wait for every ack and every delivery of an acked message, however slowly an
  // overloaded server works through its backlog, until --drain seconds; then say which it was.
  // (An earlier drain also gave up after 5 s without progress, which could not tell a message
  // that was lost from one still queued behind a saturated node.)
  const auto drain_deadline = Clock::now() + std::chrono::milliseconds(static_cast<long>(o.drain * 1000));
  auto outstanding = [&] {
    long long n = 0;
    for (const Sent& s : w.stats.sent) n += s.sent_ns && !s.error && (!s.ack_ns || !s.deliveries);
    return n;
  };
  while (outstanding() > 0 && Clock::now() < drain_deadline) co_await sleep_for(50ms);
  report["drain_end"] = outstanding() == 0 ? "everything delivered" : "deadline";
  report["drain_seconds"] =
      std::chrono::duration<double>(
          Clock::now() - (start + std::chrono::milliseconds(static_cast<long>((o.warmup + o.seconds) * 1000))))
          .count();
  co_await close_all(w);
}

Json summarize(const World& w, const LoadOptions& o, Json report) {
  long long sent = 0, acked = 0, errors = 0, delivered = 0, duplicates = 0, lost = 0, unacked = 0;
  Json lost_ids = Json::array();
  for (std::size_t g = 0; g < w.stats.sent.size(); ++g) {
    const Sent& s = w.stats.sent[g];
    if (!s.sent_ns) continue;
    if (s.ack_ns && !s.deliveries) lost_ids.push_back(fmt::format("{}-m{}", run_tag(), g));
    ++sent;
    acked += s.ack_ns != 0;
    errors += s.error;
    delivered += s.deliveries > 0;
    duplicates += std::max(0, s.deliveries - 1);
    lost += s.ack_ns != 0 && s.deliveries == 0;
    unacked += !s.ack_ns && !s.error;
  }
  report.update({{"rate", o.rate},
                 {"seconds", o.seconds},
                 {"warmup", o.warmup},
                 {"sent", sent},
                 {"acked", acked},
                 {"error_frames", errors},
                 {"delivered", delivered},
                 {"duplicates", duplicates},
                 {"out_of_order", w.stats.seq_regressions},
                 {"lost", lost},
                 {"lost_client_message_ids", lost_ids},
                 {"unacked", unacked},
                 {"not_ready_skips", w.stats.not_ready_skips},
                 {"acked_as_retry", w.stats.not_created},
                 {"echoes", w.stats.echoes},
                 {"unknown_frames", w.stats.unknown},
                 {"delivered_in_window", w.stats.delivered_in_window},
                 {"acks_per_s", w.stats.acks_per_s},
                 {"deliveries_per_s", w.stats.deliveries_per_s},
                 {"errors", w.stats.errors},
                 {"disconnects", w.stats.disconnects},
                 {"events", w.stats.events},
                 {"delivery_us", w.stats.delivery_us},
                 {"ack_us", w.stats.ack_us}});
  return report;
}

double percentile_ms(std::vector<long long> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::max(0.0, std::ceil(p * static_cast<double>(v.size())) - 1));
  return static_cast<double>(v[std::min(i, v.size() - 1)]) / 1000.0;
}

// Sums the shards' counters and pools their latencies; prints a readable summary and one
// "summary: key=value ..." line for scripts.
int print_reports(const std::vector<Json>& reports) {
  Json all = Json::object();
  std::vector<long long> delivery, ack;
  double seconds = 0, rate = 0, cpu = 0, connect_s = 0;
  for (const Json& r : reports) {
    for (const auto& [k, v] : r.items()) {
      if (v.is_number_integer()) all[k] = all.value(k, 0LL) + v.get<long long>();
      if (v.is_object()) {
        if (!all.contains(k)) all[k] = Json::object();
        for (const auto& [kk, vv] : v.items()) all[k][kk] = all[k].value(kk, 0LL) + vv.get<long long>();
      }
    }
    delivery.insert(delivery.end(), r["delivery_us"].begin(), r["delivery_us"].end());
    ack.insert(ack.end(), r["ack_us"].begin(), r["ack_us"].end());
    seconds = std::max(seconds, r.value("seconds", 0.0));
    rate += r.value("rate", 0.0);
    cpu += r.value("client_cpu_seconds", 0.0);
    connect_s = std::max(connect_s, r.value("connect_seconds", 0.0));
  }
  auto n = [&](const char* k) { return all.value(k, 0LL); };
  const double sustained = seconds > 0 ? static_cast<double>(n("delivered_in_window")) / seconds : 0;
  std::cout << fmt::format("sockets: {} ready of {} ({} failed) in {:.1f} s, {} client process(es)\n", n("connected"),
                           n("sockets"), n("connect_failed"), connect_s, reports.size());
  std::cout << fmt::format("offered {:.0f} msg/s for {:.0f} s after warm-up: sent {}, acked {}, error frames {} {}\n",
                           rate, seconds, n("sent"), n("acked"), n("error_frames"),
                           all.value("errors", Json::object()).dump());
  std::cout << fmt::format("sustained: {:.0f} messages/s delivered to the peer in the measured window\n", sustained);
  std::cout << fmt::format(
      "delivery (send -> peer's message.new): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms ({} samples)\n",
      percentile_ms(delivery, 0.5), percentile_ms(delivery, 0.99), percentile_ms(delivery, 1.0), delivery.size());
  std::cout << fmt::format("ack (send -> ack, committed): p50 {:.2f} ms, p99 {:.2f} ms\n", percentile_ms(ack, 0.5),
                           percentile_ms(ack, 0.99));
  std::cout << fmt::format(
      "lost {}, duplicated {}, unacked {}, acked as a retry {}, out of order {}, sends skipped (socket closed) {}, "
      "disconnects {}\n",
      n("lost"), n("duplicates"), n("unacked"), n("acked_as_retry"), n("out_of_order"), n("not_ready_skips"),
      all.value("disconnects", Json::object()).dump());
  std::cout << fmt::format("client CPU: {:.1f} s over the send phase\n", cpu);
  std::cout << fmt::format(
      "summary: sockets={} connected={} rate={:.0f} sustained={:.0f} p50_ms={:.2f} p99_ms={:.2f} ack_p50_ms={:.2f} "
      "ack_p99_ms={:.2f} sent={} acked={} errors={} lost={} duplicated={} out_of_order={} unacked={} disconnects={} "
      "client_cpu_s={:.1f}\n",
      n("sockets"), n("connected"), rate, sustained, percentile_ms(delivery, 0.5), percentile_ms(delivery, 0.99),
      percentile_ms(ack, 0.5), percentile_ms(ack, 0.99), n("sent"), n("acked"), n("error_frames"), n("lost"),
      n("duplicates"), n("out_of_order"), n("unacked"),
      [&] {
        long long d = 0;
        const Json disconnects = all.value("disconnects", Json::object());  // named: items() must not outlive it
        for (const auto& [k, v] : disconnects.items()) d += v.get<long long>();
        return d;
      }(),
      cpu);
  return 0;
}

int run_pairs(const std::vector<Pair>& all_pairs, std::size_t first, std::size_t count, const std::string& node1,
              const std::string& node2, const LoadOptions& o, const std::string& out) {
  if (first >= all_pairs.size()) throw std::runtime_error("--first is past the end of the pairs file");
  count = std::min(count, all_pairs.size() - first);
  World w;
  const auto ep1 = endpoint_of(node1), ep2 = endpoint_of(node2);
  for (std::size_t i = first; i < first + count; ++i) {
    const Pair& p = all_pairs[i];
    w.conns.push_back(std::make_unique<Conn>(w, ep1, p.a, p.conversation_id));  // 2i: A on node 1
    w.conns.push_back(std::make_unique<Conn>(w, ep2, p.b, p.conversation_id));  // 2i+1: B on node 2
  }
  Json report = {{"mode", "pairs"}, {"pairs", count}};
  double cpu_at_start = 0;
  asio::co_spawn(w.ioc, offer_load(w, o, report, cpu_at_start), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  w.ioc.run();
  report["client_cpu_seconds"] = cpu_seconds() - cpu_at_start;
  report = summarize(w, o, std::move(report));
  if (!out.empty()) std::ofstream(out) << report.dump() << '\n';
  return print_reports({report});
}

int run_idle(const std::vector<Pair>& pairs, const std::string& node, int count, double seconds) {
  World w;
  const auto ep = endpoint_of(node);
  // Socket i: pair i % pairs, A then B (more sockets than users: several devices per user).
  for (int i = 0; i < count; ++i) {
    const Pair& p = pairs[static_cast<std::size_t>(i) % pairs.size()];
    const bool b = (static_cast<std::size_t>(i) / pairs.size()) % 2 == 1;
    w.conns.push_back(std::make_unique<Conn>(w, ep, b ? p.b : p.a, p.conversation_id));
  }
  asio::signal_set signals(w.ioc, SIGINT, SIGTERM);
  asio::co_spawn(
      w.ioc,
      [&]() -> asio::awaitable<void> {
        const auto started = Clock::now();
        co_await connect_all(w, 256, 300s);
        std::cout << "ready " << w.ready << " failed " << w.failed << " in "
                  << fmt::format("{:.1f}", std::chrono::duration<double>(Clock::now() - started).count()) << " s"
                  << std::endl;
        if (seconds > 0)
          co_await sleep_for(std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
        else
          co_await signals.async_wait(asio::use_awaitable);
        std::cout << "still open " << w.open << " disconnects " << Json(w.stats.disconnects).dump() << std::endl;
        co_await close_all(w);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  w.ioc.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App cli{"WebSocket load client of the messaging benchmark (bench/messaging.sh)."};
  cli.require_subcommand(1);
  std::string pairs_file, node1, node2, node, out;
  std::size_t first = 0, count = 1'000'000;
  int idle_count = 0;
  double idle_seconds = 0;
  LoadOptions o;

  auto* pairs = cli.add_subcommand("pairs", "A on node 1, B on node 2; offer --rate messages/s and measure delivery.");
  pairs->add_option("--pairs-file", pairs_file, "JSON lines from `perfectmatch loadtest-pairs`")->required();
  pairs->add_option("--node1", node1, "HOST:PORT of the node for users A")->required();
  pairs->add_option("--node2", node2, "HOST:PORT of the node for users B")->required();
  pairs->add_option("--first", first, "first pair (line) of the file to use, from 0 (for shards)");
  pairs->add_option("--count", count, "how many pairs from --first (default: all)");
  pairs->add_option("--rate", o.rate, "messages per second offered, in total over this process's pairs")
      ->capture_default_str();
  pairs->add_option("--seconds", o.seconds, "measured seconds (after the warm-up)")->capture_default_str();
  pairs->add_option("--warmup", o.warmup, "seconds of load before measuring")->capture_default_str();
  pairs->add_option("--drain", o.drain, "at most this many seconds to wait for what is in flight")
      ->capture_default_str();
  pairs->add_option("--start-at", o.start_at, "unix time to start sending (once connected), so shards start together");
  pairs->add_option("--out", out, "write the report (JSON, with every latency sample) here");

  auto* idle = cli.add_subcommand("idle", "Open --count sockets on one node and hold them until SIGINT/SIGTERM.");
  idle->add_option("--pairs-file", pairs_file, "JSON lines from `perfectmatch loadtest-pairs`")->required();
  idle->add_option("--node", node, "HOST:PORT")->required();
  idle->add_option("--count", idle_count, "sockets to open")->required();
  idle->add_option("--seconds", idle_seconds, "hold this long instead of until a signal");

  auto* report = cli.add_subcommand("report", "Merge and print the reports of several `pairs` runs.");
  std::vector<std::string> files;
  report->add_option("FILES", files, "reports written by `pairs --out`")->required();

  CLI11_PARSE(cli, argc, argv);
  try {
    if (*report) {
      std::vector<Json> reports;
      for (const auto& f : files) reports.push_back(Json::parse(std::ifstream(f)));
      return print_reports(reports);
    }
    const auto all = read_pairs(pairs_file);
    if (all.empty()) throw std::runtime_error("no pairs in " + pairs_file);
    if (*idle) return run_idle(all, node, idle_count, idle_seconds);
    return run_pairs(all, first, count, node1, node2, o, out);
  } catch (const std::exception& e) {
    std::cerr << "pm_ws_load: " << e.what() << "\n";
    return 1;
  }
}
