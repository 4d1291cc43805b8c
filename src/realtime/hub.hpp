#pragma once
// The realtime hub of one serve node. Every event (a message, a receipt, typing, a notification)
// is published on the Redis channel pm:events with the users it is for; each node subscribes and
// hands it to those users' sockets that are open on it. One path for all events, so two users on
// different nodes, or one user with several devices, see the same thing (docs/realtime.md).

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/beast/websocket/rfc6455.hpp>

#include "auth/sessions.hpp"
#include "cache/redis.hpp"
#include "cache/subscriber.hpp"
#include "core/json.hpp"

namespace pm::realtime {

class Socket;

class Hub {
 public:
  Hub(cache::RedisPool& redis, cache::RedisOptions subscriber);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Starts the subscriber thread (serve only: other commands publish without listening).
  void start();
  // Stops listening and closes every socket of this node.
  void stop();

  // Publishes `event` for these users on every node. Fire and forget: a failure is logged, and a
  // client that missed an event finds it when it resumes (messages are in PostgreSQL).
  void publish(const std::vector<std::string>& users, const Json& event);

  // Closes the sockets these sessions opened, on every node (published like an event, never sent
  // to a client as one).
  void end_sessions(const auth::SessionsEnded& ended);

  // This process's name in the cluster (random per start), sent to clients in `ready`.
  const std::string& node_id() const { return node_id_; }
  // Whether this node is subscribed, i.e. whether a socket opened now would receive events.
  bool listening() const { return listening_; }
  // False (and not attached) when the user has `max_per_user` sockets on this node already.
  bool attach(const std::string& user_id, const std::shared_ptr<Socket>& socket, std::size_t max_per_user);
  void detach(const std::string& user_id, const Socket* socket);
  std::size_t open_sockets() const;

  static constexpr const char* kChannel = "pm:events";
  static constexpr const char* kSessionsEnded = "sessions.ended";  // internal: closes sockets

 private:
  void listen();
  void deliver(const std::string& payload);
  void close_all(const char* reason,
                 boost::beast::websocket::close_code code = boost::beast::websocket::close_code::going_away);

  const std::string node_id_;
  cache::RedisPool& redis_;
  cache::Subscriber subscriber_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> listening_{false};
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<std::weak_ptr<Socket>>> sockets_;
};

}  // namespace pm::realtime
