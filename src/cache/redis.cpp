#include "cache/redis.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <charconv>

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include "core/log.hpp"

namespace pm::cache {

// ---------- URL ----------

std::optional<RedisUrl> parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) return std::nullopt;
  url.remove_prefix(scheme.size());
  RedisUrl out;
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    auto userinfo = url.substr(0, at);
    url.remove_prefix(at + 1);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      out.password = userinfo;  // redis://password@host is common shorthand
    } else {
      out.user = userinfo.substr(0, colon);
      out.password = userinfo.substr(colon + 1);
    }
  }
  auto slash = url.find('/');
  auto hostport = url.substr(0, slash);
  if (slash != std::string_view::npos) {
    auto db = url.substr(slash + 1);
    if (!db.empty()) {
      auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), out.db);
      if (ec != std::errc{} || p != db.data() + db.size() || out.db < 0) return std::nullopt;
    }
  }
  auto colon = hostport.rfind(':');
  out.host = hostport.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto port = hostport.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (ec != std::errc{} || p != port.data() + port.size() || out.port <= 0 || out.port > 65535) return std::nullopt;
  }
  if (out.host.empty()) return std::nullopt;
  return out;
}

// ---------- Reply ----------

Reply::Reply(redisReply* reply) : root_(reply, [](redisReply* r) { freeReplyObject(r); }), node_(reply) {}

bool Reply::is_nil() const { return node_->type == REDIS_REPLY_NIL; }
bool Reply::is_error() const { return node_->type == REDIS_REPLY_ERROR; }
bool Reply::is_integer() const { return node_->type == REDIS_REPLY_INTEGER; }
bool Reply::is_array() const { return node_->type == REDIS_REPLY_ARRAY; }
long long Reply::integer() const { return node_->integer; }
std::string_view Reply::str() const {
  switch (node_->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return {node_->str, node_->len};
    default:
      return {};
  }
}
std::size_t Reply::size() const { return node_->type == REDIS_REPLY_ARRAY ? node_->elements : 0; }
Reply Reply::element(std::size_t i) const { return Reply(root_, node_->element[i]); }

// ---------- pool ----------

RedisOptions RedisOptions::from(const Config& config) {
  return {.url = config.redis_url, .size = config.redis_pool_size, .timeout = config.redis_timeout};
}

timeval to_timeval(Millis ms) {
  return {.tv_sec = static_cast<time_t>(ms.count() / 1000),
          .tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

namespace {
Problem cache_down(std::string detail) { return Problem("cache-unavailable", std::move(detail)); }
}  // namespace

Result<Reply> succeeded(Result<Reply> reply) {
  if (!reply || !reply->is_error()) return reply;
  const std::string_view text = reply->str();
  log::warn("redis_error_reply", {{"code", std::string(text.substr(0, text.find(' ')))}});
  return std::unexpected(cache_down("Redis refused the command"));
}

RedisPool::RedisPool(RedisOptions options) : options_(std::move(options)), target_(parse_redis_url(options_.url)) {
  if (!target_) log::error("redis_url_invalid", {{"detail", "PM_REDIS_URL is not a redis:// URL"}});
}

RedisPool::~RedisPool() { close(); }

Result<Reply> command_on(redisContext* ctx, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) argv.push_back(a.data()), lens.push_back(a.size());
  auto* raw = static_cast<redisReply*>(redisCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (!raw) return std::unexpected(cache_down("Redis did not answer"));
  return Reply(raw);
}

Result<RedisContext> connect_redis(const std::optional<RedisUrl>& target, Millis timeout) {
  if (!target) return std::unexpected(cache_down("PM_REDIS_URL is not a valid redis:// URL"));
  timeval tv = to_timeval(timeout);
  RedisContext ctx(redisConnectWithTimeout(target->host.c_str(), target->port, tv), redisFree);
  if (!ctx || ctx->err) {
    log::warn("redis_connect_failed", {{"target", fmt::format("{}:{}", target->host, target->port)},
                                       {"error", ctx ? ctx->errstr : "out of memory"}});
    return std::unexpected(cache_down("Redis is not reachable"));
  }
  redisSetTimeout(ctx.get(), tv);
  auto setup = [&](const std::vector<std::string>& args) {
    auto reply = command_on(ctx.get(), args);
    return reply && !reply->is_error();
  };
  if (!target->password.empty()) {
    bool ok =
        target->user.empty() ? setup({"AUTH", target->password}) : setup({"AUTH", target->user, target->password});
    if (!ok) {
      log::warn("redis_auth_failed", {{"target", fmt::format("{}:{}", target->host, target->port)}});
      return std::unexpected(cache_down("Redis refused the credentials"));
    }
  }
  if (target->db != 0 && !setup({"SELECT", std::to_string(target->db)}))
    return std::unexpected(cache_down("Redis refused SELECT of the configured database"));
  return ctx;
}

namespace {

// Whether an idle connection can still carry a command: a Redis that died or restarted has closed
// it (end of file or a reset), and every idle connection would otherwise fail one request each,
// a 503 apiece, before the pool is clean. One non-blocking peek, no round trip; an idle
// connection has nothing to read, so any byte is as wrong as the end of file.
bool still_open(const redisContext& ctx) {
  char byte;
  ssize_t got = ::recv(ctx.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

Result<RedisPool::Context> RedisPool::checkout() {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (;;) {
    if (closed_) return std::unexpected(cache_down("the server is shutting down"));
    if (!idle_.empty()) {
      Context ctx = std::move(idle_.back());
      idle_.pop_back();
      if (!still_open(*ctx)) {
        --open_;  // dropped (closed with ctx); the next one is tried, or a fresh connection made
        continue;
      }
      ++in_use_;
      return ctx;
    }
    if (open_ < options_.size) {
      ++open_;
      ++in_use_;
      lock.unlock();
      auto ctx = connect_redis(target_, options_.timeout);
      if (!ctx) {
        lock.lock();
        --open_;
        --in_use_;
        available_.notify_one();
      }
      return ctx;
    }
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= options_.size) {
      ++acquire_timeouts_;
      return std::unexpected(cache_down("no Redis connection became free in time"));
    }
  }
}

void RedisPool::checkin(Context ctx, bool healthy) {
  {
    std::lock_guard lock(mutex_);
    --in_use_;
    if (healthy && !closed_) {
      idle_.push_back(std::move(ctx));
    } else {
      --open_;
    }
  }
  available_.notify_one();
}

Result<Reply> RedisPool::run(const std::vector<const char*>& argv, const std::vector<std::size_t>& lens) {
  auto ctx = PM_TRY(checkout());
  auto* raw = static_cast<redisReply*>(
      redisCommandArgv(ctx.get(), static_cast<int>(argv.size()), const_cast<const char**>(argv.data()), lens.data()));
  if (!raw) {
    // I/O error or timeout: the connection's state is unknown, so it is dropped.
    log::warn("redis_command_failed", {{"error", ctx->errstr}});
    checkin(std::move(ctx), false);
    return std::unexpected(cache_down("Redis did not answer"));
  }
  checkin(std::move(ctx), true);
  return Reply(raw);
}

Result<Reply> RedisPool::command(std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (auto a : args) argv.push_back(a.data()), lens.push_back(a.size());
  return run(argv, lens);
}

Result<Reply> RedisPool::command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) argv.push_back(a.data()), lens.push_back(a.size());
  return run(argv, lens);
}

Result<std::vector<Reply>> RedisPool::pipeline(const std::vector<std::vector<std::string>>& commands) {
  if (commands.empty()) return std::vector<Reply>{};
  auto ctx = PM_TRY(checkout());
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  bool healthy = true;
  for (const auto& args : commands) {
    argv.clear();
    lens.clear();
    for (const auto& a : args) argv.push_back(a.data()), lens.push_back(a.size());
    if (redisAppendCommandArgv(ctx.get(), static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
      healthy = false;
      break;
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  while (healthy && replies.size() < commands.size()) {
    void* raw = nullptr;
    if (redisGetReply(ctx.get(), &raw) != REDIS_OK || !raw)
      healthy = false;
    else
      replies.emplace_back(static_cast<redisReply*>(raw));
  }
  if (!healthy) {
    // Unsent commands or unread replies: the connection's state is unknown, so it is dropped.
    log::warn("redis_command_failed", {{"error", ctx->errstr}});
    checkin(std::move(ctx), false);
    return std::unexpected(cache_down("Redis did not answer"));
  }
  checkin(std::move(ctx), true);
  return replies;
}

RedisStats RedisPool::stats() const {
  std::lock_guard lock(mutex_);
  return {.size = options_.size, .open = open_, .in_use = in_use_, .acquire_timeouts = acquire_timeouts_};
}

void RedisPool::close() {
  std::vector<Context> idle;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    open_ -= static_cast<int>(idle_.size());
    idle.swap(idle_);
  }
  available_.notify_all();
}

}  // namespace pm::cache
