#pragma once
// One client's WebSocket on this node: the handshake, authentication (upgrade header or first
// frame), the read loop that hands frames to the Protocol on the handler pool, and a bounded
// send queue. Everything touching the stream runs on the connection's strand; deliver() and
// close() may be called from any thread.

#include <chrono>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "auth/service.hpp"
#include "core/config.hpp"
#include "core/json.hpp"
#include "http/connection_slots.hpp"
#include "http/message.hpp"
#include "realtime/protocol.hpp"
#include "realtime/socket_options.hpp"

namespace pm::realtime {

class Hub;

class Socket : public std::enable_shared_from_this<Socket> {
 public:
  struct Deps {
    Hub& hub;
    Protocol& protocol;
    auth::Service& auth;
    boost::asio::thread_pool& handlers;
    SocketOptions options;
  };
  // `slot`: the connection's place in its client's count of connections, kept until the socket goes.
  Socket(boost::beast::tcp_stream stream, http::ConnectionSlot slot, Deps deps);
  ~Socket();

  // Answers the upgrade and starts the connection's life.
  void start(http::Request request);
  // Queues an event published on the hub (from any thread).
  void deliver(std::shared_ptr<const std::string> frame, std::shared_ptr<const Json> event);
  // Closes the socket if its session is one of those that ended (Hub::end_sessions; any thread).
  void end_if_session_ended(const Json& ended);
  // Closes with a reason and a close code (from any thread): 1001 going away by default, 1012
  // (service restart) when the node stops; clients reconnect and resume on either.
  void close(std::string reason,
             boost::beast::websocket::close_code code = boost::beast::websocket::close_code::going_away);

 private:
  void on_accept(std::optional<std::string> token);
  void await_auth_frame();
  void authenticate(std::string token);
  void on_authenticated(Result<auth::Caller> who);
  void on_subscribed();
  void on_session_checked(Result<bool> active);
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void on_auth_frame(const std::string& text);
  void on_closed(boost::beast::error_code ec);
  void on_frame(std::string text);
  // `of_resume`: the answer of a resume, which releases the live events held meanwhile.
  void on_outcome(Outcome outcome, bool of_resume);
  void on_handed_on();
  void accept_event(const std::shared_ptr<const std::string>& frame, const Json& event);
  // Queues an event frame, or ends the socket when its reader is too slow (false).
  bool queue_event(std::shared_ptr<const std::string> frame);
  // Asks Redis, on the handler pool (a blocking call), whether the socket's session is still in
  // force; `then` gets the answer on the socket's strand, unless the socket ended meanwhile.
  void ask_session(std::function<void(Result<bool>)> then);
  void recheck_session_later();
  void release_held();
  void send(const Json& frame, bool answer = false);
  void enqueue(std::shared_ptr<const std::string> frame, bool answer = false);
  void refuse(const Problem& problem, boost::beast::websocket::close_code code);
  void finish();
  // ws_frame_exception: a frame's handling threw (the socket is refused, or the frame answered 500).
  void log_frame_exception(const std::exception& e) const;
  // `work`'s result (a Result), or 503-class "realtime-unavailable" when it throws (it runs on the
  // handler pool).
  template <class Work>
  auto off_the_io_thread(Work&& work) const -> decltype(work());

  // The WebSocket itself (Beast's stream and read buffer) and everything that reads or writes it:
  // realtime/socket_wire.cpp, the one file that instantiates Beast's WebSocket templates (they were
  // most of the compile time of every file that included them).
  struct Wire;
  void accept_upgrade(http::Request request, std::optional<std::string> token);  // the handshake
  void read_frame();
  std::string take_frame();  // the frame read_frame() completed with
  void write_next();
  void send_close(boost::beast::websocket::close_code code, std::string reason);
  void close_tcp();

  boost::asio::any_io_executor executor_;  // the connection's strand: everything touching the wire runs on it
  std::unique_ptr<Wire> wire_;
  http::ConnectionSlot slot_;
  Deps d_;
  boost::asio::steady_timer
      auth_timer_;  // the auth frame, the subscription (until ready), then the session's re-checks
  std::string request_id_;
  UserId user_id_;          // empty until authenticated
  std::string session_id_;  // the session that authenticated it
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool ready_ = false;         // `ready` sent: until then live events wait in held_
  int resuming_ = 0;           // resumes being answered: live events wait in held_ meanwhile
  std::size_t in_flight_ = 0;  // frames read and not answered yet (pipelining)
  bool read_paused_ = false;   // frames_in_flight reached: the next read waits for an answer written
  bool may_read() const;
  void resume_reading();  // after an answer or its write: reads again if paused and may_read
  // The frame budget's window (SocketOptions::frames_per_10s).
  std::chrono::steady_clock::time_point window_start_{};
  int frames_in_window_ = 0;
  bool within_frame_budget(int cost);
  // Frames to write; `answer`: an ack or error of the client's own frame, which the slow-reader
  // limit does not count (frames_in_flight bounds them with the frames not answered yet: may_read).
  struct Queued {
    std::shared_ptr<const std::string> frame;
    bool answer = false;
  };
  std::deque<Queued> queue_;
  std::size_t answers_queued_ = 0;
  std::vector<std::pair<std::shared_ptr<const std::string>, std::shared_ptr<const Json>>> held_;
  // The seqs of the messages this socket gave its client, per conversation (the latest few hundred):
  // live, in a resume's replay, or in the ack of the client's own send. So a message is never sent
  // twice, and the sender's own copy of a message it sent not at all.
  bool first_delivery(const Json& event);
  // Records the message as this socket's; false if it already was.
  bool remember_sent(const std::string& conversation_id, long long seq);
  std::map<std::string, std::set<long long>> sent_seqs_;
};

}  // namespace pm::realtime
