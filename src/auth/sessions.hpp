#pragma once
// Sessions live in Redis under the seed's key sessions:{userId}: a hash with one field per
// session, named by the SHA-256 of its token, holding the session's JSON (created, last seen,
// expiry, user agent, IP). Tokens are "<user id>.<256 random bits>", returned once, never stored.
// Expiry slides with use (idle TTL) under a hard cap (max TTL). A resolved token is trusted
// in-process for at most `cache_ttl`, which bounds how long a logout takes to reach every node.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cache/redis.hpp"
#include "core/id.hpp"
#include "core/json.hpp"

namespace pm::auth {

struct SessionOptions {
  std::chrono::seconds idle_ttl{14 * 24 * 3600};
  std::chrono::seconds max_ttl{90 * 24 * 3600};
  std::chrono::milliseconds cache_ttl{5000};
};

struct SessionMeta {
  std::string user_agent;
  std::string ip;
  // The account's credentials_version its sign-in read with the password it checked: a credential
  // change ends the sessions whose number is below its own (end_credentials_before).
  long long credentials_version = 0;
};

// Who is calling: the result of resolving a bearer token.
struct Caller {
  UserId user_id;
  std::string session_id;  // the token's SHA-256, hex: names the session without revealing it
};

// A session as its owner's list of devices shows it (times: unix seconds).
struct SessionRecord {
  std::string session_id;
  long long created_at = 0;
  long long last_seen = 0;
  std::string user_agent;
};

// Sessions that just ended (sign-out, password change or reset, account deletion): the ones
// listed, or with `all` every session of the user but `kept`. Whatever those sessions opened
// (WebSockets, on any node) must close too; see SessionStore::on_ended.
struct SessionsEnded {
  UserId user_id;
  std::vector<std::string> sessions;
  bool all = false;
  std::optional<std::string> kept;
};

class SessionStore {
 public:
  SessionStore(cache::RedisPool& redis, SessionOptions options) : redis_(redis), options_(options) {}

  // A new session; returns its token.
  Result<std::string> create(const UserId& user_id, const SessionMeta& meta);
  // 401 "unauthenticated" for a malformed, unknown, ended or expired token.
  Result<Caller> resolve(std::string_view token);
  // Whether the caller's session still exists and has not expired, asked of Redis (never of this
  // node's cache): for what outlives its sign-in (a WebSocket checks once it hears of sessions
  // ending; a browser's push subscription before each push).
  Result<bool> active(const Caller& caller);
  Result<void> end(const Caller& caller);
  // The caller's session proved its password again now (Service::reauthenticate).
  Result<void> mark_password_confirmed(const Caller& caller);
  // How long ago the session last proved who it is: its sign-in, or the latest
  // mark_password_confirmed; nothing for a session that ended.
  Result<std::optional<std::chrono::seconds>> since_proved(const Caller& caller);
  // Ends every session of the user, or every one but `keep`.
  Result<void> end_all(const UserId& user_id, std::optional<std::string> keep = std::nullopt);
  // Ends the user's sessions signed in with credentials older than `credentials_version` (a
  // change's new one), but `keep`: the ones that knew the old password, however late they were
  // made, and not those signed in with the new credentials since. (A session without a readable
  // number, such as one from before they were recorded, counts as an old one.)
  Result<void> end_credentials_before(const UserId& user_id, long long credentials_version,
                                      std::optional<std::string> keep);
  // Called after sessions end. Set once while wiring, before any request.
  void on_ended(std::function<void(const SessionsEnded&)> listener) { on_ended_ = std::move(listener); }
  // Session ids of a user.
  Result<std::vector<std::string>> list(const UserId& user_id);
  // The user's sessions still in force, the most recently used first.
  Result<std::vector<SessionRecord>> records(const UserId& user_id);
  // Writes these fields (a JSON object) into a stored session, keeping the others, and only while
  // the session still exists: a plain HSET that landed just after a purge's HDEL would bring the
  // ended session back, and writing the whole JSON read a moment before would undo a field another
  // request wrote meanwhile.
  // Whether it was written (false: the session is gone).
  Result<bool> write_fields(const UserId& user_id, const std::string& id, const Json& fields);

  static std::string key(const UserId& user_id) { return "sessions:" + user_id.str(); }
  // The id of the session a token opened (Caller::session_id).
  static std::string session_id(std::string_view token);

 private:
  struct Cached {
    UserId user_id;
    std::chrono::steady_clock::time_point until;
  };
  void forget_user(const UserId& user_id);
  // The caller's stored session while it is in force (asked of Redis, never of this node's cache).
  Result<std::optional<Json>> in_force_now(const Caller& caller);
  // Ends these sessions of the user (none: nothing), and tells on_ended even when Redis failed.
  Result<void> end_listed(const UserId& user_id, std::vector<std::string> ids);
  // Each stored session of the user: its id and its JSON (discarded when unreadable).
  Result<std::vector<std::pair<std::string, Json>>> stored(const UserId& user_id);

  cache::RedisPool& redis_;
  SessionOptions options_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> cache_;  // session id -> user
  std::function<void(const SessionsEnded&)> on_ended_;
};

}  // namespace pm::auth
