#include "cache/subscriber.hpp"

#include <sys/socket.h>

#include <hiredis/hiredis.h>

#include "core/log.hpp"

namespace pm::cache {

Subscriber::Subscriber(RedisOptions options)
    : options_(std::move(options)), target_(parse_redis_url(options_.url)), ctx_(nullptr, redisFree) {}

Subscriber::~Subscriber() { interrupt(); }

bool Subscriber::subscribe(const std::string& channel) {
  auto ctx = connect_redis(target_, options_.timeout);
  if (!ctx) return false;
  auto* raw = static_cast<redisReply*>(redisCommand(ctx->get(), "SUBSCRIBE %b", channel.data(), channel.size()));
  if (!raw) return false;
  Reply confirmed(raw);
  if (confirmed.size() != 3 || confirmed.element(0).str() != "subscribe") {
    log::warn("redis_subscribe_refused", {{"channel", channel}});
    return false;
  }
  // Messages may be minutes apart: no read timeout. interrupt() ends a wait instead.
  redisSetTimeout(ctx->get(), timeval{0, 0});
  std::lock_guard lock(mutex_);
  if (interrupted_) return false;
  ctx_ = std::move(*ctx);
  return true;
}

std::optional<std::string> Subscriber::next() {
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
    // ["message", channel, payload]; anything else (a late subscribe confirmation) is skipped.
    if (reply.size() == 3 && reply.element(0).str() == "message") return std::string(reply.element(2).str());
  }
}

void Subscriber::interrupt() {
  std::lock_guard lock(mutex_);
  interrupted_ = true;
  // Shutting the socket down wakes the blocked read without freeing what it is using.
  if (ctx_) ::shutdown(ctx_->fd, SHUT_RDWR);
}

}  // namespace pm::cache
