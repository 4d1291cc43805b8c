#include "realtime/socket.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/core/demangle.hpp>

#include "core/actor.hpp"
#include "core/log.hpp"
#include "realtime/hub.hpp"

namespace pm::realtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

void Socket::start(http::Request request) {
  request_id_ = request.request_id;
  std::optional<std::string> token;
  if (auto bearer = request.bearer_token()) token = std::string(*bearer);
  accept_upgrade(std::move(request), std::move(token));
}

void Socket::on_accept(std::optional<std::string> token) {
  if (token) return authenticate(std::move(*token));
  await_auth_frame();
}

// Browsers cannot set headers on a WebSocket: the token may come as the first frame instead.
void Socket::await_auth_frame() {
  auth_timer_.expires_after(d_.options.auth_timeout);
  auth_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->user_id_.empty() || self->finished_) return;
    self->refuse(Problem("unauthenticated", "no auth frame came within 10 seconds"),
                 websocket::close_code::policy_error);
  });
  read_frame();
}

// The first frame of a socket that came without a token.
void Socket::on_auth_frame(const std::string& text) {
  auto parsed = parse_json(text);
  Json frame = parsed ? std::move(*parsed) : Json();
  // string_member, never value(): a member of another type (`{"type": null}`) would throw here,
  // on an I/O thread, and take the node down with it.
  if (!frame.is_object() || string_member(frame, "type") != "auth" || !frame["token"].is_string())
    return refuse(Problem("unauthenticated", "the first frame must be {\"type\": \"auth\", \"token\": ...}"),
                  websocket::close_code::policy_error);
  authenticate(frame["token"].get<std::string>());
}

// What runs on the handler pool must not throw: an exception leaving a pool's task ends the process
// (asio's thread_pool calls std::terminate), every socket and request of the node with it. A
// database error there is the client's "reconnect shortly", as it is a 500 over HTTP.
template <class Work>
auto Socket::off_the_io_thread(Work&& work) const -> decltype(work()) {
  try {
    return work();
  } catch (const std::exception& e) {
    log_frame_exception(e);
  } catch (...) {
    log::error("ws_frame_exception", {{"request_id", request_id_}, {"exception", "unknown"}});
  }
  return std::unexpected(
      Problem("realtime-unavailable", "this node cannot check the session right now; reconnect shortly"));
}

void Socket::authenticate(std::string token) {
  // Resolving a session may ask Redis: off the I/O thread.
  asio::post(d_.handlers, [self = shared_from_this(), token = std::move(token)] {
    auto who = self->off_the_io_thread([&] { return self->d_.auth.authenticate(token); });
    asio::post(self->executor_, [self, who = std::move(who)]() mutable { self->on_authenticated(std::move(who)); });
  });
}

void Socket::on_authenticated(Result<auth::Caller> who) {
  auth_timer_.cancel();
  if (finished_ || closing_) return;
  // A bad token is 1008; the node's own trouble (a busy database, Redis away) is "come back".
  if (!who)
    return refuse(who.error(), who.error().status >= 500 ? websocket::close_code::try_again_later
                                                         : websocket::close_code::policy_error);
  if (!d_.hub.listening())
    return refuse(Problem("realtime-unavailable", "this node cannot deliver events right now; reconnect shortly"),
                  websocket::close_code::try_again_later);
  // `ready` once this node receives the user's events (their channel's subscription confirmed).
  // Weak: the hub keeps this until the confirmation comes, which a stopping hub's never does; a
  // strong hold kept the socket alive past its node's io_context.
  auto subscribed = [weak = weak_from_this()] {
    if (auto self = weak.lock()) asio::post(self->executor_, [self] { self->on_subscribed(); });
  };
  if (!d_.hub.attach(who->user_id, shared_from_this(), d_.options.sockets_per_user, std::move(subscribed)))
    return refuse(Problem("rate-limited", fmt::format("at most {} open sockets per user; close one first",
                                                      d_.options.sockets_per_user)),
                  websocket::close_code::try_again_later);
  user_id_ = who->user_id;
  session_id_ = who->session_id;
  // Redis may never confirm the subscription (an error reply, a lost connection the hub has not
  // noticed yet): the client is told to come back rather than left waiting for `ready`.
  auth_timer_.expires_after(d_.options.auth_timeout);
  auth_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->ready_ || self->finished_) return;
    self->refuse(Problem("realtime-unavailable", "this node could not subscribe to your events; reconnect shortly"),
                 websocket::close_code::try_again_later);
  });
}

// This node now hears the user's events, sessions ending included. A session that ended between
// the token's check and now was announced before we listened (or is still trusted by this node's
// session cache): asked once more, of Redis, before the socket is ready.
void Socket::on_subscribed() {
  if (finished_ || closing_) return;
  ask_session([self = shared_from_this()](Result<bool> active) { self->on_session_checked(std::move(active)); });
}

void Socket::ask_session(std::function<void(Result<bool>)> then) {
  asio::post(d_.handlers, [self = shared_from_this(), then = std::move(then)]() mutable {
    auto active = self->off_the_io_thread(
        [&] { return self->d_.auth.still_signed_in({.user_id = self->user_id_, .session_id = self->session_id_}); });
    asio::post(self->executor_, [self, then = std::move(then), active = std::move(active)]() mutable {
      if (self->finished_ || self->closing_) return;
      then(std::move(active));
    });
  });
}

void Socket::on_session_checked(Result<bool> active) {
  if (finished_ || closing_) return;
  auth_timer_.cancel();
  if (!active)
    return refuse(Problem("realtime-unavailable", "this node cannot check the session right now; reconnect shortly"),
                  websocket::close_code::try_again_later);
  if (!*active)
    return refuse(Problem("unauthenticated", "the session ended (signed out elsewhere); sign in again"),
                  websocket::close_code::policy_error);
  log::info("ws_opened", {{"request_id", request_id_}, {"user_id", user_id_}});
  send({{"type", "ready"}, {"user_id", user_id_}, {"node", d_.hub.node_id()}});
  ready_ = true;
  release_held();
  read_frame();
  recheck_session_later();
}

// The session may expire while the socket is open (its idle or its hard limit): that tells
// nobody, so the socket asks now and then, and closes once the session is no longer in force.
// (Redis unreachable: asked again next time; a sign-out still closes it at once, as announced.)
void Socket::recheck_session_later() {
  auth_timer_.expires_after(d_.options.session_recheck);
  auth_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->finished_ || self->closing_) return;
    self->ask_session([self](Result<bool> active) {
      if (!active.value_or(true))  // (unknown, Redis unreachable: asked again next time)
        return self->refuse(Problem("unauthenticated", "the session has ended or expired; sign in again"),
                            websocket::close_code::policy_error);
      self->recheck_session_later();
    });
  });
}

void Socket::on_read(beast::error_code ec, std::size_t) {
  if (ec) return finish();
  std::string text = take_frame();
  // Closing: what the client sent before it saw our close is not acted on (its answer could no
  // longer be sent), and no read is started: the close reads on until the client's close frame.
  if (closing_) return;
  // Nothing a client sends may end the node: an exception escaping here would leave the I/O
  // thread, and the process with it.
  try {
    if (user_id_.empty()) return on_auth_frame(text);
    on_frame(std::move(text));
  } catch (const std::exception& e) {
    log_frame_exception(e);
    refuse(Problem("invalid-frame", "the frame could not be handled"), websocket::close_code::policy_error);
  }
}

void Socket::on_closed(beast::error_code) { finish(); }

void Socket::log_frame_exception(const std::exception& e) const {
  // The exception's text may quote data (SQL errors do): only its type is logged.
  log::error("ws_frame_exception",
             {{"request_id", request_id_}, {"exception", boost::core::demangle(typeid(e).name())}});
}

// Frames are pipelined: the next one is read as soon as this one is handed on (a send queued for
// its batch), not when it is answered, so a client's sends do not wait one commit each. They take
// effect in the order the client sent them (each is queued before the next is read; a
// conversation's sends are stored in queue order); the answers of sends to different
// conversations may come out of that order. At most frames_in_flight unanswered frames: then a
// flood waits in TCP, not in our memory.
void Socket::on_frame(std::string text) {
  // A resume reads history for each conversation it names (up to 200): it counts as one frame
  // more per ten of them, or one socket's resumes alone kept the handlers' pool (HTTP's too) busy.
  const auto resumed = text.find("resume") != std::string::npos ? Protocol::resume_conversations(text) : std::nullopt;
  const bool resume = resumed.has_value();
  if (!within_frame_budget(1 + static_cast<int>(resumed.value_or(0) / 10))) {
    // Each refusal is a frame queued for a client that may never read it: past twice the budget
    // the socket is closed, so a flood of tiny frames cannot grow the node's memory without bound.
    if (frames_in_window_ > 2 * d_.options.frames_per_10s)
      return refuse(Problem("rate-limited", "far too many frames; reconnect later and slow down"),
                    websocket::close_code::policy_error);
    Problem slow_down("rate-limited", "too many frames; slow down");
    slow_down.extensions["retry_after"] = 10;
    send(Protocol::error_frame(nullptr, slow_down));
    return read_frame();
  }
  if (resume) ++resuming_;
  ++in_flight_;
  asio::post(d_.handlers, [self = shared_from_this(), text = std::move(text), resume] {
    auto answer = [self, resume](Outcome outcome) {
      asio::post(self->executor_, [self, outcome = std::move(outcome), resume]() mutable {
        self->on_outcome(std::move(outcome), resume);
      });
    };
    try {
      // As the socket's user, like an authenticated HTTP request (row-level security).
      actor::Scope as_user({.kind = actor::Kind::user, .user_id = self->user_id_, .request_id = self->request_id_});
      self->d_.protocol.handle_async(self->user_id_, text, answer);
    } catch (const std::exception& e) {
      self->log_frame_exception(e);
      answer({.reply = Protocol::error_frame(nullptr, Problem("internal", "the frame could not be handled"))});
    }
    asio::post(self->executor_, [self] { self->on_handed_on(); });
  });
}

// The frame is queued or answered: read the next, unless too many await their answers.
void Socket::on_handed_on() {
  if (finished_ || closing_) return;
  if (!may_read()) {
    read_paused_ = true;
    return;
  }
  read_frame();
}

// A frame is the client's until its answer is written: answers its client does not read count too,
// or a client sending within its budget and never reading would queue answers without end.
bool Socket::may_read() const { return in_flight_ + answers_queued_ < d_.options.frames_in_flight; }

void Socket::resume_reading() {
  if (!read_paused_ || finished_ || closing_ || !may_read()) return;
  read_paused_ = false;
  read_frame();
}

bool Socket::within_frame_budget(int cost) {
  const auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= std::chrono::seconds(10)) {
    window_start_ = now;
    frames_in_window_ = 0;
  }
  // A refused frame counts once (it cost nothing more); a frame costs at most the whole budget, so
  // a small PM_WS_FRAMES_PER_10S still takes a resume of many conversations once a window.
  cost = std::min(cost, d_.options.frames_per_10s);
  if (frames_in_window_ + cost > d_.options.frames_per_10s) {
    ++frames_in_window_;
    return false;
  }
  frames_in_window_ += cost;
  return true;
}

void Socket::on_outcome(Outcome outcome, bool of_resume) {
  --in_flight_;
  if (finished_) return;
  for (const auto& event : outcome.replay)
    if (first_delivery(event) && !queue_event(std::make_shared<const std::string>(event.dump()))) return;
  // A message this socket sent is in its ack: the live copy published to the sender's sockets (for
  // their other devices) is not sent here too. The ack comes first: a batch's senders are answered
  // before its events are published (messaging::Service::flush_lane).
  if (const auto& m = outcome.reply; m.value("type", "") == "ack" && m.contains("message"))
    (void)remember_sent(m["message"].value("conversation_id", ""), m["message"].value("seq", 0LL));
  send(outcome.reply, true);
  if (of_resume && --resuming_ == 0) release_held();  // (minus the messages the replay sent)
  resume_reading();
}

void Socket::deliver(std::shared_ptr<const std::string> frame, std::shared_ptr<const Json> event) {
  asio::post(executor_, [self = shared_from_this(), frame = std::move(frame), event = std::move(event)] {
    if (self->finished_ || self->closing_) return;
    if (!self->ready_ || self->resuming_ > 0) {
      // Held no more than the send queue takes (they go there once released): a client that kept
      // a resume under way would otherwise have every live event kept for it.
      if (self->held_.size() >= self->d_.options.send_queue) {
        log::warn("ws_slow_consumer", {{"request_id", self->request_id_}, {"held", self->held_.size()}});
        return self->finish();
      }
      self->held_.emplace_back(frame, event);
    } else
      self->accept_event(frame, *event);
  });
}

void Socket::end_if_session_ended(const Json& ended) {
  asio::post(executor_, [self = shared_from_this(), ended] {
    if (self->finished_ || self->closing_ || self->session_id_.empty()) return;
    bool mine = false;
    for (const auto& id : ended.value("sessions", Json::array())) mine |= id == self->session_id_;
    if (ended.value("all", false)) mine |= ended["kept"] != self->session_id_;
    if (!mine) return;
    log::info("ws_session_ended", {{"request_id", self->request_id_}});
    self->refuse(Problem("unauthenticated",
                         "the session ended (signed out, password changed or account deleted); "
                         "sign in again"),
                 websocket::close_code::policy_error);
  });
}

bool Socket::first_delivery(const Json& event) {
  if (event.value("type", "") != "message.new") return true;
  return remember_sent(event.value("conversation_id", ""), event["message"].value("seq", 0LL));
}

bool Socket::remember_sent(const std::string& conversation_id, long long seq) {
  auto& sent = sent_seqs_[conversation_id];
  if (!sent.insert(seq).second) return false;
  if (sent.size() > 512) sent.erase(sent.begin());
  return true;
}

// The live events that came while the socket was not ready or a resume was being answered.
void Socket::release_held() {
  auto held = std::move(held_);
  held_.clear();
  for (const auto& [frame, event] : held) accept_event(frame, *event);
}

void Socket::accept_event(const std::shared_ptr<const std::string>& frame, const Json& event) {
  if (first_delivery(event)) queue_event(frame);
}

bool Socket::queue_event(std::shared_ptr<const std::string> frame) {
  // A slow reader: events pile up faster than it takes them (live ones, or replays asked for again
  // and again without reading). It is cut off (it reconnects and resumes) so its queue never grows
  // without bound and no other socket waits for it.
  if (queue_.size() - answers_queued_ >= d_.options.send_queue) {
    log::warn("ws_slow_consumer", {{"request_id", request_id_}, {"queued", queue_.size()}});
    finish();
    return false;
  }
  enqueue(std::move(frame));
  return true;
}

void Socket::send(const Json& frame, bool answer) {
  enqueue(std::make_shared<const std::string>(frame.dump()), answer);
}

void Socket::enqueue(std::shared_ptr<const std::string> frame, bool answer) {
  if (finished_ || closing_) return;
  queue_.push_back({std::move(frame), answer});
  if (answer) ++answers_queued_;
  if (!writing_) write_next();
}

// Once: a second close while the first still waits for the client's close frame would be parked
// by Beast and never completed, its handler keeping this socket (and its connection's place in
// its client's count) alive for good.
void Socket::refuse(const Problem& problem, websocket::close_code code) {
  if (finished_ || closing_) return;
  auth_timer_.cancel();
  log::info("ws_refused", {{"request_id", request_id_}, {"problem", problem.type}});
  send(Protocol::error_frame(nullptr, problem));
  closing_ = true;
  // The close frame follows the error frame (Beast sends it after the pending write).
  send_close(code, problem.type);
}

void Socket::close(std::string reason, websocket::close_code code) {
  asio::post(executor_, [self = shared_from_this(), reason = std::move(reason), code] {
    if (self->finished_ || self->closing_) return;
    self->closing_ = true;
    if (self->user_id_.empty()) return self->finish();  // still in the handshake or authenticating
    self->send_close(code, reason);
  });
}

void Socket::finish() {
  if (finished_) return;
  finished_ = true;
  auth_timer_.cancel();
  if (!user_id_.empty()) {
    d_.hub.detach(user_id_, this);
    log::info("ws_closed", {{"request_id", request_id_}, {"user_id", user_id_}});
  }
  // The frame being written stays until its write completes: the write reads from it.
  if (writing_ && !queue_.empty())
    queue_.erase(std::next(queue_.begin()), queue_.end());
  else
    queue_.clear();
  answers_queued_ = 0;
  held_.clear();
  close_tcp();
}

}  // namespace pm::realtime
