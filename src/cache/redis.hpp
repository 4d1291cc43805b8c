#pragma once
// A bounded pool of Redis connections (hiredis, blocking with timeouts). Commands run on the
// handler threads, never on the I/O threads. A connection that fails is dropped and the next
// command reconnects, so Redis coming back is picked up without a restart.

#include <sys/time.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/problem.hpp"

struct redisContext;
struct redisReply;

namespace pm::cache {

struct RedisOptions {
  std::string url;  // redis://[user:password@]host:port/db
  int size = 8;
  Millis timeout{1000};  // connect, each command, and waiting for a free connection

  static RedisOptions from(const Config& config);
};

// A Redis reply (or one element of an array reply); copies share the parsed reply.
class Reply {
 public:
  explicit Reply(redisReply* reply);

  bool is_nil() const;
  bool is_error() const;
  bool is_integer() const;
  bool is_array() const;
  long long integer() const;
  // Status, string or error text; empty for other types.
  std::string_view str() const;
  std::size_t size() const;  // elements of an array reply
  Reply element(std::size_t i) const;

 private:
  Reply(std::shared_ptr<redisReply> root, const redisReply* node) : root_(std::move(root)), node_(node) {}
  std::shared_ptr<redisReply> root_;
  const redisReply* node_;
};

// Parses a redis:// URL; nullopt when malformed.
struct RedisUrl {
  std::string host;
  int port = 6379;
  std::string user, password;
  int db = 0;
};
std::optional<RedisUrl> parse_redis_url(std::string_view url);

// One connection, authenticated and on the configured database (the pool's and the subscriber's).
using RedisContext = std::unique_ptr<redisContext, void (*)(redisContext*)>;
Result<RedisContext> connect_redis(const std::optional<RedisUrl>& target, Millis timeout);
// A duration as the socket options and hiredis take it.
timeval to_timeval(Millis ms);
// One command on one connection, waiting for its answer (arguments are binary-safe); an error
// reply is a Reply with is_error(), a broken connection or a timeout is an error.
Result<Reply> command_on(redisContext* ctx, const std::vector<std::string>& args);

// The answer of a command that has to have worked: an error reply (READONLY from a replica after a
// failover, NOPERM, a script's error) becomes the same 503 "cache-unavailable" problem as an
// unreachable server, and is logged by its code. (RedisPool::command leaves error replies to its
// caller, for those that expect one, such as NOSCRIPT.)
Result<Reply> succeeded(Result<Reply> reply);

struct RedisStats {
  int size = 0;
  int open = 0;
  int in_use = 0;
  unsigned long long acquire_timeouts = 0;
};

class RedisPool {
 public:
  explicit RedisPool(RedisOptions options);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // Runs one command (arguments are binary-safe). Error replies come back as a Reply with
  // is_error(); an unreachable server becomes a 503 "cache-unavailable" problem.
  Result<Reply> command(std::initializer_list<std::string_view> args);
  Result<Reply> command(const std::vector<std::string>& args);
  // Several commands on one connection in one round trip (sent together, answered in order): for
  // reads that would otherwise wait for Redis once each. One reply per command; a reply may be an
  // error reply; an unreachable server fails the whole pipeline.
  Result<std::vector<Reply>> pipeline(const std::vector<std::vector<std::string>>& commands);

  RedisStats stats() const;
  void close();

 private:
  using Context = RedisContext;

  Result<Context> checkout();
  void checkin(Context ctx, bool healthy);
  Result<Reply> run(const std::vector<const char*>& argv, const std::vector<std::size_t>& lens);

  RedisOptions options_;
  std::optional<RedisUrl> target_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Context> idle_;
  int open_ = 0;
  int in_use_ = 0;
  bool closed_ = false;
  unsigned long long acquire_timeouts_ = 0;
};

}  // namespace pm::cache
