#pragma once
// One Redis connection in subscribe mode (pub/sub), for a thread that waits for messages. The
// pool's connections cannot do this: a subscribed connection accepts no other command.

#include <mutex>
#include <optional>
#include <string>

#include "cache/redis.hpp"

namespace pm::cache {

class Subscriber {
 public:
  explicit Subscriber(RedisOptions options);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Connects and subscribes to `channel`; false (and logged) when Redis cannot be reached.
  bool subscribe(const std::string& channel);
  // Blocks for the next message on the channel and returns its payload; nullopt when the
  // connection broke or interrupt() was called (subscribe again to go on).
  std::optional<std::string> next();
  // From any thread, for good: a blocked next() returns nullopt now, and a subscribe() still
  // connecting (or any later one) fails, so a stop can never be missed.
  void interrupt();

 private:
  RedisOptions options_;
  std::optional<RedisUrl> target_;
  std::mutex mutex_;  // guards ctx_ being replaced while interrupt() shuts its socket
  RedisContext ctx_;
  bool interrupted_ = false;
};

}  // namespace pm::cache
