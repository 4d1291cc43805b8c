#pragma once
// One Redis connection in subscribe mode (pub/sub), for a thread that waits for messages. The
// pool's connections cannot do this: a subscribed connection accepts no other command.
//
// Sharded pub/sub (Redis 7: SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH): the channels change while the
// reader waits. hiredis' context is not thread-safe, so other threads never touch its buffers:
// command() formats the command and writes it to the socket itself (writes are serialised by a
// mutex; reading and writing one socket from two threads is safe), and the reader thread sees the
// confirmations in next() like any other push, in the order the commands were written.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cache/redis.hpp"

namespace pm::cache {

// A push from Redis: a message ("message", "smessage") with its payload, or a confirmation
// ("subscribe", "ssubscribe", "sunsubscribe", ...) with the connection's channel count. A message
// whose payload is a list (client tracking's notices on __redis__:invalidate: the keys that
// changed) has it in `keys`; one with no payload at all (Redis forgot every key) has `nil`.
struct Push {
  std::string kind;
  std::string channel;
  std::string payload;
  std::vector<std::string> keys;
  bool nil = false;
  long long count = 0;
};

class Subscriber {
 public:
  explicit Subscriber(RedisOptions options);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Connects (with no subscription yet); false (and logged) when Redis cannot be reached.
  bool connect();
  // A command answered at once, before the connection subscribes to anything (e.g. CLIENT ID), on
  // the thread that calls next(); nullopt when the connection broke or was never made.
  std::optional<Reply> call(const std::vector<std::string>& args);
  // From any thread: writes commands (e.g. SSUBSCRIBE a channel) to the connection; their
  // confirmations come through next(). False when not connected (the next connect() starts afresh).
  bool command(const std::vector<std::vector<std::string>>& commands);
  // Blocks for the next push; nullopt when the connection broke or interrupt() was called
  // (connect again to go on).
  std::optional<Push> next();
  // From any thread, for good: a blocked next() returns nullopt now, and a connect() still
  // connecting (or any later one) fails, so a stop can never be missed.
  void interrupt();

  struct Handlers {
    std::function<bool()> connected;        // on a fresh connection (subscribe here); false: try again later
    std::function<void(const Push&)> push;  // each push, in order
    std::function<void()> lost;             // the connection broke, or interrupt() ended it
  };
  // Holds a subscription until interrupt(), on the calling thread: connects (waiting 0.1 s,
  // doubling up to 5 s, while Redis cannot be reached or `connected` fails), hands each push on,
  // and after a loss calls `lost` and connects again.
  void run(const Handlers& handlers);

 private:
  RedisOptions options_;
  std::optional<RedisUrl> target_;
  std::mutex mutex_;  // guards ctx_ being replaced while interrupt() shuts its socket, and writes
  RedisContext ctx_;
  bool interrupted_ = false;
  std::condition_variable woken_;  // a reconnection's wait, ended early by interrupt()
};

}  // namespace pm::cache
