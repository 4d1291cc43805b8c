#include "cache/subscriber.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include <hiredis/hiredis.h>

#include "core/log.hpp"

namespace pm::cache {

Subscriber::Subscriber(RedisOptions options)
    : options_(std::move(options)), target_(parse_redis_url(options_.url)), ctx_(nullptr, redisFree) {}

Subscriber::~Subscriber() { interrupt(); }

bool Subscriber::connect() {
  auto ctx = connect_redis(target_, options_.timeout);
  if (!ctx) return false;
  // Messages may be minutes apart: no read timeout. interrupt() ends a wait instead. Writes keep
  // the configured timeout: command() writes under its caller's lock (the hub's, on an I/O
  // thread), so a Redis that stops reading must not hold that thread for longer; a write that
  // times out drops the connection, and the reader's reconnect subscribes everything again.
  redisSetTimeout(ctx->get(), timeval{0, 0});
  const timeval write_timeout = to_timeval(options_.timeout);
  ::setsockopt((*ctx)->fd, SOL_SOCKET, SO_SNDTIMEO, &write_timeout, sizeof write_timeout);
  std::lock_guard lock(mutex_);
  if (interrupted_) return false;
  ctx_ = std::move(*ctx);
  return true;
}

std::optional<Reply> Subscriber::call(const std::vector<std::string>& args) {
  redisContext* ctx;
  {
    std::lock_guard lock(mutex_);
    ctx = ctx_.get();
  }
  if (!ctx) return std::nullopt;
  auto reply = command_on(ctx, args);
  if (!reply) return std::nullopt;
  return std::move(*reply);
}

bool Subscriber::command(const std::vector<std::vector<std::string>>& commands) {
  std::string wire;
  for (const auto& args : commands) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) argv.push_back(a.data()), lens.push_back(a.size());
    char* formatted = nullptr;
    const int n = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(), lens.data());
    if (n < 0) return false;
    wire.append(formatted, static_cast<std::size_t>(n));
    redisFreeCommand(formatted);
  }
  std::lock_guard lock(mutex_);
  if (!ctx_) return false;
  for (std::size_t done = 0; done < wire.size();) {
    const ssize_t n = ::send(ctx_->fd, wire.data() + done, wire.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // The reader sees the broken connection too and returns nullopt.
      ::shutdown(ctx_->fd, SHUT_RDWR);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<Push> Subscriber::next() {
  redisContext* ctx;
  {
    std::lock_guard lock(mutex_);
    ctx = ctx_.get();
  }
  if (!ctx) return std::nullopt;
  for (;;) {
    void* raw = nullptr;
    if (redisGetReply(ctx, &raw) != REDIS_OK || !raw) {
      std::lock_guard lock(mutex_);
      ctx_.reset();
      return std::nullopt;
    }
    Reply reply(static_cast<redisReply*>(raw));
    // [kind, channel, payload or count] (RESP2); anything else (an error, a pong) is skipped.
    if (reply.size() != 3) continue;
    Push push{.kind = std::string(reply.element(0).str()), .channel = std::string(reply.element(1).str())};
    const auto third = reply.element(2);
    if (third.is_integer()) {
      push.count = third.integer();
    } else if (third.is_array()) {
      for (std::size_t i = 0; i < third.size(); ++i) push.keys.emplace_back(third.element(i).str());
    } else {
      push.nil = third.is_nil();
      push.payload = std::string(third.str());
    }
    return push;
  }
}

void Subscriber::run(const Handlers& handlers) {
  auto backoff = std::chrono::milliseconds(100);
  auto interrupted = [this] {
    std::lock_guard lock(mutex_);
    return interrupted_;
  };
  while (!interrupted()) {
    if (!connect() || !handlers.connected()) {
      // A wait interrupt() cuts short: a hub stopping while Redis is away does not hold its
      // node's stop (and the I/O thread it runs on) for up to the 5 s step.
      std::unique_lock lock(mutex_);
      woken_.wait_for(lock, backoff, [this] { return interrupted_; });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    while (auto push = next()) handlers.push(*push);
    handlers.lost();
  }
}

void Subscriber::interrupt() {
  std::lock_guard lock(mutex_);
  interrupted_ = true;
  woken_.notify_all();
  // Shutting the socket down wakes the blocked read without freeing what it is using.
  if (ctx_) ::shutdown(ctx_->fd, SHUT_RDWR);
}

}  // namespace pm::cache
