#pragma once
// The realtime hub of one serve node. Every event (a message, a receipt, typing, a notification)
// is published on each of its users' own channel, pm:user:{id}, with Redis 7 sharded pub/sub
// (SPUBLISH); a node subscribes (SSUBSCRIBE) to the channels of the users who have a socket open
// on it, from their first socket to their last, and hands each event to those sockets. A node
// reads only the events of its own users, so nodes (and Redis Cluster shards) can be added
// without each one reading everything. One path for all events, so two users on different nodes,
// or one user with several devices, see the same thing (docs/realtime.md).

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/beast/websocket/rfc6455.hpp>

#include "auth/sessions.hpp"
#include "cache/redis.hpp"
#include "cache/subscriber.hpp"
#include "core/id.hpp"
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
  void publish(const std::vector<UserId>& users, const Json& event);
  // Several events, each for its users, in one round trip to Redis (a batch of messages).
  struct Delivery {
    std::vector<UserId> users;
    Json event;
  };
  void publish_all(const std::vector<Delivery>& deliveries);

  // Closes the sockets these sessions opened, on every node (published like an event, never sent
  // to a client as one).
  void end_sessions(const auth::SessionsEnded& ended);

  // This process's name in the cluster (random per start), sent to clients in `ready`.
  const std::string& node_id() const { return node_id_; }
  // Whether this node is connected to Redis, i.e. whether a socket opened now could get events.
  bool listening() const { return listening_; }
  // Attaches a socket: false (and not attached) when the user has `max_per_user` sockets on this
  // node already. `subscribed` is called (on the hub's thread, or at once) when this node receives
  // the user's events: the user's first socket subscribes to their channel, and waits for Redis to
  // confirm it, so an event published after `ready` is never missed.
  bool attach(const UserId& user_id, const std::shared_ptr<Socket>& socket, std::size_t max_per_user,
              std::function<void()> subscribed);
  // The user's last socket unsubscribes.
  void detach(const UserId& user_id, const Socket* socket);
  std::size_t open_sockets() const;
  // Events this node has received from Redis since it started (/metrics): only its users'.
  unsigned long long events_received() const { return events_received_; }

  static constexpr std::string_view kChannelPrefix = "pm:user:";
  static std::string channel_of(const UserId& user_id) { return std::string(kChannelPrefix) + user_id.str(); }
  static constexpr const char* kSessionsEnded = "sessions.ended";  // internal: closes sockets

 private:
  struct User {
    std::vector<std::weak_ptr<Socket>> sockets;
    bool subscribed = false;                   // Redis confirmed the channel
    std::vector<std::function<void()>> ready;  // sockets waiting for that
  };
  void listen();
  bool resubscribe();  // on a new subscriber connection
  void on_push(const cache::Push& push);
  void on_lost();
  void deliver(const UserId& user_id, const std::string& payload);
  void close_all(const char* reason,
                 boost::beast::websocket::close_code code = boost::beast::websocket::close_code::going_away);

  const std::string node_id_;
  cache::RedisPool& redis_;
  cache::Subscriber subscriber_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> listening_{false};
  std::atomic<unsigned long long> events_received_{0};
  mutable std::mutex mutex_;
  std::unordered_map<UserId, User> users_;
  // SSUBSCRIBEs written and not yet confirmed, per channel: a user is subscribed when the last one
  // is (an unsubscribe and a subscribe may both be on their way after a quick reconnect).
  std::unordered_map<std::string, int> unconfirmed_;
};

}  // namespace pm::realtime
