#include "auth/sessions.hpp"

#include <algorithm>
#include <limits>

#include <sodium.h>

#include "core/base64url.hpp"
#include "core/crypto.hpp"
#include "core/json.hpp"
#include "core/time.hpp"

namespace pm::auth {

namespace {

constexpr std::size_t kMaxCached = 100000;
// Writing last_seen on every request would turn reads into writes; a minute is precise enough.
constexpr auto kTouchEvery = std::chrono::seconds(60);
// KEYS[1] the user's sessions, ARGV[1] the session id, ARGV[2] a JSON object of the fields to
// write, ARGV[3] the hash's idle TTL. The merge happens in Redis, so two writers of different
// fields (a refresh's last_seen, a confirmation's password_confirmed_at) cannot undo each other.
// A session's fields are small integers and strings: cjson's 14 significant digits keep them whole.
constexpr const char* kWriteFieldsIfPresent = R"lua(
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return 0 end
local ok, session = pcall(cjson.decode, stored)
if not ok or type(session) ~= 'table' then return 0 end
for name, value in pairs(cjson.decode(ARGV[2])) do session[name] = value end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(session))
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
)lua";

// At most `bytes` of `text`, cut before a character, never inside one: half a character would
// make the session's JSON unwritable.
std::string utf8_prefix(const std::string& text, std::size_t bytes) {
  if (text.size() <= bytes) return text;
  while (bytes > 0 && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) --bytes;
  return text.substr(0, bytes);
}

long long unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
}

// A stored session's integer field, or `fallback` when it has none (or is not an object).
long long integer_or(const Json& session, const char* name, long long fallback) {
  return session.is_object() && session.contains(name) && session[name].is_number_integer()
             ? session[name].get<long long>()
             : fallback;
}

// A stored session's JSON still in force at `now`: neither idle past its expiry nor past its cap.
bool in_force(const Json& session, long long now) {
  return !session.is_discarded() && now < session.value("expires_at", 0LL) &&
         now < session.value("max_expires_at", 0LL);
}

}  // namespace

Result<std::string> SessionStore::create(const UserId& user_id, const SessionMeta& meta) {
  crypto::init();
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  std::string token = user_id.str() + "." + base64url_encode({reinterpret_cast<const char*>(raw), sizeof raw});

  auto now = unix_now();
  Json session = {{"created_at", now},
                  {"last_seen", now},
                  {"expires_at", now + options_.idle_ttl.count()},
                  {"max_expires_at", now + options_.max_ttl.count()},
                  {"user_agent", utf8_prefix(meta.user_agent, 256)},
                  {"ip", meta.ip},
                  {"credentials_version", meta.credentials_version}};
  auto k = key(user_id);
  PM_TRY(cache::succeeded(redis_.command({"HSET", k, session_id(token), session.dump()})));
  PM_TRY(cache::succeeded(redis_.command({"EXPIRE", k, std::to_string(options_.idle_ttl.count())})));
  return token;
}

std::string SessionStore::session_id(std::string_view token) { return crypto::sha256_hex(token); }

Result<Caller> SessionStore::resolve(std::string_view token) {
  auto dot = token.find('.');
  auto parsed = dot == std::string_view::npos ? std::nullopt : UserId::parse(token.substr(0, dot));
  if (!parsed || token.size() > 128)
    return std::unexpected(Problem("unauthenticated", "the bearer token is malformed"));
  const UserId& user_id = *parsed;
  std::string id = session_id(token);
  auto steady = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(id); it != cache_.end() && it->second.until > steady)
      return Caller{it->second.user_id, id};
  }

  auto k = key(user_id);
  auto got = PM_TRY(cache::succeeded(redis_.command({"HGET", k, id})));
  if (got.is_nil())
    return std::unexpected(Problem("unauthenticated", "the session has ended or never existed; sign in again"));
  auto session = Json::parse(got.str(), nullptr, false);
  auto now = unix_now();
  if (!in_force(session, now)) {
    (void)redis_.command({"HDEL", k, id});
    return std::unexpected(Problem("unauthenticated", "the session has expired; sign in again"));
  }
  if (now - session.value("last_seen", 0LL) >= kTouchEvery.count()) {
    (void)write_fields(
        user_id, id,
        {{"last_seen", now},
         {"expires_at", std::min(now + options_.idle_ttl.count(), session.value("max_expires_at", now))}});
  }
  std::lock_guard lock(mutex_);
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_[id] = {user_id, steady + options_.cache_ttl};
  return Caller{user_id, id};
}

Result<std::optional<Json>> SessionStore::in_force_now(const Caller& caller) {
  auto got = PM_TRY(cache::succeeded(redis_.command({"HGET", key(caller.user_id), caller.session_id})));
  if (got.is_nil()) return std::nullopt;
  auto session = Json::parse(got.str(), nullptr, false);
  if (!session.is_object() || !in_force(session, unix_now())) return std::nullopt;
  return session;
}

Result<bool> SessionStore::active(const Caller& caller) { return PM_TRY(in_force_now(caller)).has_value(); }

Result<void> SessionStore::end(const Caller& caller) { return end_listed(caller.user_id, {caller.session_id}); }

Result<bool> SessionStore::write_fields(const UserId& user_id, const std::string& id, const Json& fields) {
  auto written = PM_TRY(cache::succeeded(redis_.command({"EVAL", kWriteFieldsIfPresent, "1", key(user_id), id,
                                                         fields.dump(), std::to_string(options_.idle_ttl.count())})));
  return written.is_integer() && written.integer() == 1;
}

Result<void> SessionStore::mark_password_confirmed(const Caller& caller) {
  if (!PM_TRY(in_force_now(caller)))
    return std::unexpected(Problem("unauthenticated", "the session has ended; sign in again"));
  // Ended between the look and the write: nothing is confirmed, and the caller must hear so.
  if (!PM_TRY(write_fields(caller.user_id, caller.session_id, {{"password_confirmed_at", unix_now()}})))
    return std::unexpected(Problem("unauthenticated", "the session has ended; sign in again"));
  return {};
}

Result<std::optional<std::chrono::seconds>> SessionStore::since_proved(const Caller& caller) {
  auto session = PM_TRY(in_force_now(caller));
  if (!session) return std::nullopt;
  const auto proved = std::max(integer_or(*session, "created_at", 0), integer_or(*session, "password_confirmed_at", 0));
  return std::chrono::seconds(unix_now() - proved);
}

Result<void> SessionStore::end_listed(const UserId& user_id, std::vector<std::string> ids) {
  if (ids.empty()) return {};
  {
    std::lock_guard lock(mutex_);
    for (const auto& id : ids) cache_.erase(id);
  }
  std::vector<std::string> command = {"HDEL", key(user_id)};
  command.insert(command.end(), ids.begin(), ids.end());
  auto ended = cache::succeeded(redis_.command(command));
  // Told even when Redis failed, as end_all does: what the sessions opened closes anyway.
  if (on_ended_) on_ended_({.user_id = user_id, .sessions = std::move(ids)});
  if (!ended) return std::unexpected(ended.error());
  return {};
}

Result<std::vector<std::pair<std::string, Json>>> SessionStore::stored(const UserId& user_id) {
  auto all = PM_TRY(cache::succeeded(redis_.command({"HGETALL", key(user_id)})));
  std::vector<std::pair<std::string, Json>> out;
  for (std::size_t i = 0; i + 1 < all.size(); i += 2)
    out.emplace_back(all.element(i).str(), Json::parse(all.element(i + 1).str(), nullptr, false));
  return out;
}

Result<void> SessionStore::end_all(const UserId& user_id, std::optional<std::string> keep) {
  forget_user(user_id);
  auto ended = [&]() -> Result<void> {
    std::vector<std::string> command = {"DEL", key(user_id)};
    if (keep) {
      command[0] = "HDEL";
      auto ids = PM_TRY(list(user_id));
      for (auto& id : ids)
        if (id != *keep) command.push_back(std::move(id));
      if (command.size() == 2) return {};  // no other session
    }
    PM_TRY(cache::succeeded(redis_.command(command)));
    return {};
  }();
  // Told even when Redis failed: what the sessions opened (sockets, browsers' pushes) closes
  // anyway, and a session still in Redis only has to sign in its sockets again.
  if (on_ended_) on_ended_({.user_id = user_id, .all = true, .kept = keep});
  return ended;
}

Result<void> SessionStore::end_credentials_before(const UserId& user_id, long long credentials_version,
                                                  std::optional<std::string> keep) {
  std::vector<std::string> older_ones;
  for (auto& [id, session] : PM_TRY(stored(user_id))) {
    const bool older =
        integer_or(session, "credentials_version", std::numeric_limits<long long>::min()) < credentials_version;
    if (older && id != keep) older_ones.push_back(std::move(id));
  }
  return end_listed(user_id, std::move(older_ones));  // none left from before: nothing to do
}

Result<std::vector<std::string>> SessionStore::list(const UserId& user_id) {
  auto r = PM_TRY(cache::succeeded(redis_.command({"HKEYS", key(user_id)})));
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < r.size(); ++i) ids.emplace_back(r.element(i).str());
  return ids;
}

Result<std::vector<SessionRecord>> SessionStore::records(const UserId& user_id) {
  std::vector<SessionRecord> out;
  const auto now = unix_now();
  for (auto& [id, session] : PM_TRY(stored(user_id))) {
    if (!in_force(session, now)) continue;
    out.push_back({.session_id = std::move(id),
                   .created_at = session.value("created_at", 0LL),
                   .last_seen = session.value("last_seen", 0LL),
                   .user_agent = session.value("user_agent", std::string())});
  }
  std::ranges::sort(out, std::ranges::greater(), &SessionRecord::last_seen);
  return out;
}

void SessionStore::forget_user(const UserId& user_id) {
  std::lock_guard lock(mutex_);
  std::erase_if(cache_, [&](const auto& entry) { return entry.second.user_id == user_id; });
}

}  // namespace pm::auth
