#include "core/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/config_values.hpp"
#include "core/http_client.hpp"

extern char** environ;

namespace pm {

namespace {

#ifndef PM_SOURCE_DIR
#define PM_SOURCE_DIR "."
#endif

using Setter = std::function<bool(Config&, const std::string&)>;
using Getter = std::function<std::string(const Config&)>;

struct Setting {
  const char* name;
  const char* help;
  Setter set;
  Getter get;
};

bool parse_int(const std::string& text, long long min, long long max, long long& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && out >= min && out <= max;
}

template <class T>
Setting integer(const char* name, const char* help, T Config::*field, long long min, long long max) {
  return {name, help,
          [=](Config& c, const std::string& v) {
            long long n = 0;
            if (!parse_int(v, min, max, n)) return false;
            c.*field = static_cast<T>(n);
            return true;
          },
          [=](const Config& c) { return std::to_string(c.*field); }};
}

Setting millis(const char* name, const char* help, Millis Config::*field) {
  return {name, help,
          [=](Config& c, const std::string& v) {
            long long n = 0;
            if (!parse_int(v, 1, 24LL * 3600 * 1000, n)) return false;
            c.*field = Millis(n);
            return true;
          },
          [=](const Config& c) { return std::to_string((c.*field).count()); }};
}

Setting seconds(const char* name, const char* help, Seconds Config::*field) {
  return {name, help,
          [=](Config& c, const std::string& v) {
            long long n = 0;
            if (!parse_int(v, 1, 10LL * 365 * 24 * 3600, n)) return false;
            c.*field = Seconds(n);
            return true;
          },
          [=](const Config& c) { return std::to_string((c.*field).count()); }};
}

Setting text(const char* name, const char* help, std::string Config::*field) {
  return {name, help,
          [=](Config& c, const std::string& v) {
            c.*field = v;
            return true;
          },
          [=](const Config& c) { return c.*field; }};
}

Setting boolean(const char* name, const char* help, bool Config::*field) {
  return {name, help,
          [=](Config& c, const std::string& v) {
            if (v == "true" || v == "1" || v == "yes")
              c.*field = true;
            else if (v == "false" || v == "0" || v == "no")
              c.*field = false;
            else
              return false;
            return true;
          },
          [=](const Config& c) { return std::string(c.*field ? "true" : "false"); }};
}

Setting choice(const char* name, const char* help, std::string Config::*field, std::vector<std::string> allowed) {
  return {name, help,
          [=](Config& c, const std::string& v) {
            if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) return false;
            c.*field = v;
            return true;
          },
          [=](const Config& c) { return c.*field; }};
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> all = {
      text("PM_DATABASE_URL",
           "PostgreSQL URL of the app role, for serve, worker and every command but migrate (./pm stack up writes "
           "it to var/stack.env)",
           &Config::database_url),
      text("PM_MIGRATE_DATABASE_URL",
           "PostgreSQL URL of the owner role, for migrate only (unset: PM_DATABASE_URL; ./pm stack up writes it)",
           &Config::migrate_database_url),
      text("PM_DATABASE_REPLICA_URL",
           "PostgreSQL URL of the app role on a streaming replica: match lists, conversations and history are read "
           "there, everything else on PM_DATABASE_URL (unset: no replica; docs/operations.md)",
           &Config::database_replica_url),
      text("PM_REDIS_URL", "Redis URL, redis://[user:password@]host:port/db", &Config::redis_url),
      integer("PM_DB_POOL_SIZE", "PostgreSQL connections per process", &Config::db_pool_size, 1, 1000),
      millis("PM_DB_ACQUIRE_TIMEOUT_MS", "wait for a free PostgreSQL connection before answering 503",
             &Config::db_acquire_timeout),
      millis("PM_DB_CONNECT_TIMEOUT_MS", "PostgreSQL connect timeout", &Config::db_connect_timeout),
      millis("PM_DB_STATEMENT_TIMEOUT_MS", "PostgreSQL statement_timeout for server connections",
             &Config::db_statement_timeout),
      integer("PM_REDIS_POOL_SIZE", "Redis connections per process", &Config::redis_pool_size, 1, 1000),
      millis("PM_REDIS_TIMEOUT_MS", "Redis connect and command timeout", &Config::redis_timeout),
      text("PM_HTTP_HOST", "address the HTTP server binds (0.0.0.0 for all interfaces)", &Config::http_host),
      integer("PM_HTTP_PORT", "HTTP port (0 picks a free one)", &Config::http_port, 0, 65535),
      integer("PM_IO_THREADS", "threads doing network I/O", &Config::io_threads, 1, 64),
      integer("PM_HANDLER_THREADS", "threads running request handlers (blocking SQL and Redis calls)",
              &Config::handler_threads, 1, 1024),
      integer("PM_MAX_BODY_BYTES", "largest accepted request body; larger gets 413", &Config::max_body_bytes, 1,
              1LL << 30),
      millis("PM_READ_TIMEOUT_MS", "time allowed to receive a request body", &Config::read_timeout),
      millis("PM_WRITE_TIMEOUT_MS", "time allowed to send a response", &Config::write_timeout),
      millis("PM_IDLE_TIMEOUT_MS", "keep-alive connection idle time (and request header time)", &Config::idle_timeout),
      millis("PM_SHUTDOWN_GRACE_MS", "on SIGTERM/SIGINT, how long in-flight requests may still run",
             &Config::shutdown_grace),
      millis("PM_DRAIN_DELAY_MS",
             "on SIGTERM/SIGINT, how long /readyz says 503 while requests are still served, before the listener "
             "closes (behind a load balancer: longer than its health checks take to mark the node down)",
             &Config::drain_delay),
      text("PM_PII_KEYS", "keys for PII field encryption, id:64hex,id:64hex (./pm stack up generates one)",
           &Config::pii_keys),
      text("PM_PII_ACTIVE_KEY", "id of the key new values are encrypted with (default: the last listed)",
           &Config::pii_active_key),
      text("PM_BLIND_INDEX_KEY", "64 hex: HMAC key of the email blind index (cannot rotate without re-indexing)",
           &Config::blind_index_key),
      integer("PM_ARGON2_OPSLIMIT", "Argon2id passes for password hashes", &Config::argon2_opslimit, 1, 20),
      integer("PM_ARGON2_MEMLIMIT_KIB", "Argon2id memory per password hash, KiB", &Config::argon2_memlimit_kib, 8,
              4 << 20),
      seconds("PM_SESSION_IDLE_TTL_S", "a session ends after this long unused (sliding)", &Config::session_idle_ttl),
      seconds("PM_SESSION_MAX_TTL_S", "a session ends this long after sign-in whatever its use",
              &Config::session_max_ttl),
      millis("PM_SESSION_CACHE_MS", "how long a server trusts a resolved token: the bound on a logout taking effect",
             &Config::session_cache_ttl),
      millis("PM_FLAG_CACHE_MS",
             "how long a server trusts the feature flags it read: the bound on a change taking effect",
             &Config::flag_cache_ttl),
      integer("PM_LOGIN_LIMIT_PER_ACCOUNT",
              "sign-in attempts per account and client (password checks: per session) per window before 429; "
              "an account's from every client and session together: three times that",
              &Config::login_limit_per_account, 1, 1000000),
      integer("PM_LOGIN_LIMIT_PER_IP", "sign-in attempts per client (IPv4 address or IPv6 /64) per window before 429",
              &Config::login_limit_per_ip, 1, 1000000),
      seconds("PM_LOGIN_WINDOW_S", "window of the sign-in limits", &Config::login_window),
      integer("PM_RESET_LIMIT_PER_ACCOUNT", "password reset requests per account per window",
              &Config::reset_limit_per_account, 1, 1000000),
      integer("PM_RESET_LIMIT_PER_IP",
              "password reset requests per IP per window, and links from mails that did not work",
              &Config::reset_limit_per_ip, 1, 1000000),
      seconds("PM_RESET_WINDOW_S", "window of the reset limits", &Config::reset_window),
      integer("PM_SIGNUP_LIMIT_PER_IP", "sign-ups per IP per window", &Config::signup_limit_per_ip, 1, 1000000),
      seconds("PM_SIGNUP_WINDOW_S", "window of the sign-up limit", &Config::signup_window),
      integer("PM_REPORT_LIMIT_PER_DAY", "reports one user may file per day (429 beyond)",
              &Config::report_limit_per_day, 1, 1000000),
      integer("PM_BLOCK_LIMIT_PER_DAY", "blocks and unblocks one user may make per day (429 beyond)",
              &Config::block_limit_per_day, 1, 1000000),
      integer("PM_EXPORT_LIMIT_PER_DAY", "personal-data exports one user may take per day (429 beyond)",
              &Config::export_limit_per_day, 1, 1000000),
      integer("PM_LOCATION_LIMIT_PER_DAY",
              "distinct places (0.01 degree cells) one user may move to per day (429 beyond; a place already used that "
              "day is free)",
              &Config::location_limit_per_day, 1, 1000000),
      integer("PM_PROFILE_EDIT_LIMIT_PER_HOUR",
              "profile edits (PATCH /me, and the ages, distance and privacy settings of PUT /me/preferences) one user "
              "may make per hour (429 beyond)",
              &Config::profile_edit_limit_per_hour, 1, 1000000),
      integer("PM_PROFILE_VIEW_LIMIT_PER_HOUR",
              "other people's profiles (GET /users/{id}, found or not) one user may open per hour (429 beyond)",
              &Config::profile_view_limit_per_hour, 1, 1000000),
      integer("PM_EMAIL_CHANGE_LIMIT_PER_DAY", "changes of address one user may ask for per day (429 beyond)",
              &Config::email_change_limit_per_day, 1, 1000000),
      integer("PM_UPLOAD_LIMIT_PER_HOUR", "image uploads (profile photos and chat images) one user may make per hour",
              &Config::upload_limit_per_hour, 1, 1000000),
      integer("PM_REACTION_LIMIT_PER_MINUTE", "message reactions one user may set or remove per minute (429 beyond)",
              &Config::reaction_limit_per_minute, 1, 1000000),
      seconds("PM_VERIFY_TOKEN_TTL_S", "lifetime of an email verification token", &Config::verify_token_ttl),
      seconds("PM_RESET_TOKEN_TTL_S", "lifetime of a password reset token", &Config::reset_token_ttl),
      text("PM_MAIL_DIR", "where the default mail sender writes each mail as a .eml file", &Config::mail_dir),
      text("PM_NOTIFICATION_DIR",
           "where the default notification sender writes each email/push delivery as <outbox id>.json",
           &Config::notification_dir),
      text("PM_PUBLIC_URL", "the address users reach the service at (links in mails)", &Config::public_url),
      text("PM_VAPID_KEY_FILE",
           "Web Push: the VAPID private key, a PEM file (`perfectmatch keys vapid`); empty: push deliveries are "
           "files under PM_NOTIFICATION_DIR",
           &Config::vapid_key_file),
      text("PM_VAPID_SUBJECT", "Web Push: the contact push services may write to, mailto:... or https://...",
           &Config::vapid_subject),
      millis("PM_PUSH_TIMEOUT_MS",
             "Web Push: one request to a push service, connecting included (then: outcome "
             "unknown, never retried)",
             &Config::push_timeout),
      text("PM_PUSH_SERVICE_HOSTS",
           "Web Push: the push services a subscription may name, comma-separated hosts or parent domains "
           "(default: Chrome's, Firefox's, Safari's and Edge's)",
           &Config::push_service_hosts),
      text("PM_TRUSTED_PROXIES",
           "comma-separated proxy IPs whose X-Forwarded-For names the client (rate limits, audit)",
           &Config::trusted_proxies),
      text("PM_CORS_ORIGINS",
           "comma-separated origins (https://app.example.com) whose pages may call the API from a browser; empty: "
           "only the service's own origin (the web app)",
           &Config::cors_origins),
      integer(
          "PM_MAX_CONNECTIONS_PER_IP",
          "open connections one client (an IPv4 address, an IPv6 /64) may hold (trusted proxies aside); one more is "
          "closed at once",
          &Config::max_connections_per_ip, 1, 1000000),
      text("PM_OAUTH_PROVIDERS", "JSON file of OpenID Connect sign-in providers (docs/oauth.md); empty: none",
           &Config::oauth_providers),
      millis("PM_OAUTH_CLOCK_SKEW_MS", "clock skew tolerated on ID token exp, nbf and iat", &Config::oauth_clock_skew),
      millis("PM_OAUTH_JWKS_CACHE_MS", "how long a provider's signing keys (JWKS) are cached",
             &Config::oauth_jwks_cache_ttl),
      millis("PM_OAUTH_JWKS_MIN_REFETCH_MS",
             "least time between two JWKS fetches of one provider (unknown key ids refetch)",
             &Config::oauth_jwks_min_refetch),
      millis("PM_OAUTH_JWKS_TIMEOUT_MS", "HTTP timeout fetching a provider's JWKS", &Config::oauth_jwks_timeout),
      choice("PM_MEDIA_BACKEND", "where photos are stored: local (PM_MEDIA_DIR) or s3 (PM_S3_*)",
             &Config::media_backend, {"local", "s3"}),
      text("PM_MEDIA_DIR", "folder of the local media backend", &Config::media_dir),
      text("PM_MEDIA_URL_SECRET",
           "key signing local media URLs (./pm stack up writes one); unset: random per process, URLs die with it",
           &Config::media_url_secret),
      text("PM_S3_ENDPOINT",
           "S3 endpoint, https://host[:port] (http:// only to a loopback address), e.g. "
           "https://s3.eu-west-1.amazonaws.com",
           &Config::s3_endpoint),
      text("PM_S3_REGION", "S3 region (part of every signature)", &Config::s3_region),
      text("PM_S3_BUCKET", "S3 bucket holding the media", &Config::s3_bucket),
      text("PM_S3_ACCESS_KEY", "S3 access key id", &Config::s3_access_key),
      text("PM_S3_SECRET_KEY", "S3 secret access key", &Config::s3_secret_key),
      boolean("PM_S3_PATH_STYLE",
              "true: endpoint/bucket/key URLs (MinIO and most self-hosted servers); false: bucket.endpoint/key",
              &Config::s3_path_style),
      choice("PM_S3_SSE", "server-side encryption S3 applies to every object: AES256, aws:kms, or empty for none",
             &Config::s3_sse, {"AES256", "aws:kms", ""}),
      text("PM_S3_KMS_KEY_ID", "with PM_S3_SSE=aws:kms: the KMS key (empty: the bucket's default key)",
           &Config::s3_kms_key_id),
      millis("PM_S3_CONNECT_TIMEOUT_MS", "S3 connect timeout", &Config::s3_connect_timeout),
      millis("PM_S3_TIMEOUT_MS", "S3 request timeout (whole transfer)", &Config::s3_timeout),
      text("PM_QUESTION_BANK", "key of the question bank the questionnaire API serves", &Config::question_bank),
      boolean("PM_DEMO_DATA",
              "true: made-up users may be written here (seed, loadtest-pairs); the local stack and demos only, "
              "never production",
              &Config::demo_data),
      choice(
          "PM_EMBEDDING_PROVIDER",
          "text embeddings of bios and open answers: builtin (offline) or openai (an OpenAI-compatible /v1/embeddings)",
          &Config::embedding_provider, {"builtin", "openai"}),
      text("PM_EMBEDDING_URL",
           "base URL of the OpenAI-compatible embeddings API, ending in /v1 (https://, or http:// to a loopback "
           "address)",
           &Config::embedding_url),
      text("PM_EMBEDDING_MODEL", "embedding model name sent to that API", &Config::embedding_model),
      text("PM_EMBEDDING_API_KEY", "bearer key for that API (never logged)", &Config::embedding_api_key),
      millis("PM_EMBEDDING_TIMEOUT_MS", "timeout of one embeddings request", &Config::embedding_timeout),
      integer("PM_EMBEDDING_RETRIES", "retries of a failed embeddings request (5xx, 429, network)",
              &Config::embedding_retries, 0, 10),
      choice("PM_LLM_PROVIDER",
             "match insights: builtin, or openai (chat completions; any failure falls back to builtin)",
             &Config::llm_provider, {"builtin", "openai"}),
      text("PM_LLM_URL",
           "base URL of the OpenAI-compatible chat completions API, ending in /v1 (https://, or http:// to a loopback "
           "address)",
           &Config::llm_url),
      text("PM_LLM_MODEL", "chat model name sent to that API", &Config::llm_model),
      text("PM_LLM_API_KEY", "bearer key for that API (never logged)", &Config::llm_api_key),
      millis("PM_LLM_TIMEOUT_MS", "timeout of one chat completions request", &Config::llm_timeout),
      integer("PM_LLM_RETRIES", "retries of a failed chat completions request", &Config::llm_retries, 0, 10),
      integer("PM_MATCHES_PER_USER", "matches one generation keeps for a user (best first)", &Config::matches_per_user,
              1, 500),
      integer("PM_MATCH_EXPIRY_DAYS", "days a pending match lives before the worker expires it",
              &Config::match_expiry_days, 1, 3650),
      seconds("PM_MATCH_CACHE_TTL_S", "lifetime of matches:recent:{userId} and match:{matchId} in Redis",
              &Config::match_cache_ttl),
      millis("PM_INDEX_REFRESH_MS", "how often a node polls PostgreSQL for users whose matching data changed",
             &Config::index_refresh),
      integer("PM_LEARN_INTERVAL_HOURS",
              "the worker trains the reciprocal model on the recorded outcomes this often (0: only `perfectmatch "
              "learn`)",
              &Config::learn_interval_hours, 0, 24 * 365),
      integer("PM_LEARN_MIN_OUTCOMES",
              "fewer recorded outcomes than this and no model is trained: matches are ranked by the questionnaire",
              &Config::learn_min_outcomes, 1, 1000000000),
      integer("PM_MODELS_KEPT", "stored versions of the reciprocal model kept (older ones are deleted)",
              &Config::models_kept, 1, 1000),
      integer("PM_MODEL_MAX_AGE_DAYS",
              "the worker deletes stored model versions trained longer ago than this, the one ranking included "
              "(they hold user ids and counts: a deleted account's stay no longer); train at least this often",
              &Config::model_max_age_days, 1, 3650),
      millis("PM_MODEL_POLL_MS", "how often a node looks for a newer stored model (it swaps it in without a restart)",
             &Config::model_poll),
      integer("PM_EXPLORATION_EVERY",
              "with a model, 1 slot in this many of a new feed goes to people with little history, by questionnaire "
              "(0: none)",
              &Config::exploration_every, 0, 1000),
      integer("PM_EXPLORATION_MAX_DECISIONS",
              "people about whom fewer decisions were made than this (in the model's data) count as having little "
              "history",
              &Config::exploration_max_decisions, 1, 1000000),
      integer("PM_EXPOSURE_CAP_PER_DAY",
              "one person is added to at most this many other people's new matches a day (UTC; counted in Redis; "
              "0: no cap)",
              &Config::exposure_cap_per_day, 0, 1000000),
      integer("PM_MESSAGE_RATE_LIMIT", "messages one user may send per minute, all conversations together (429 beyond)",
              &Config::message_rate_limit, 1, 1000000),
      integer("PM_REPLY_WINDOW_DAYS",
              "a user's first message in a conversation counts as a reply (the strongest outcome, docs/outcomes.md) "
              "when the other's first message is at most this old",
              &Config::reply_window_days, 1, 365),
      integer("PM_MESSAGE_SEND_LANES",
              "threads per node that store sends in batches, each one transaction at a time (a conversation "
              "always on the same one); more commit more batches at once, and contend more in PostgreSQL",
              &Config::message_send_lanes, 1, 64),
      integer("PM_MESSAGE_RETENTION_DAYS", "the worker deletes messages (and their photos) older than this",
              &Config::message_retention_days, 1, 36500),
      integer("PM_ACTIVITY_RETENTION_DAYS",
              "the worker deletes activity older than this: audit log, finished jobs, used or expired tokens, sent "
              "mail and notification deliveries, read notifications (at least 30: the database refuses less, "
              "migrations/0048)",
              &Config::activity_retention_days, 30, 36500),
      integer("PM_WORKER_METRICS_PORT", "the worker serves Prometheus /metrics on 127.0.0.1 at this port (0: none)",
              &Config::worker_metrics_port, 0, 65535),
      millis("PM_WS_IDLE_TIMEOUT_MS", "a WebSocket silent this long is closed (pings go out at half of it)",
             &Config::ws_idle_timeout),
      millis("PM_WS_SESSION_RECHECK_MS",
             "how often an open WebSocket asks Redis whether its session is still in force (an expiry tells nobody)",
             &Config::ws_session_recheck),
      integer("PM_WS_SEND_QUEUE",
              "frames queued for one WebSocket before its reader counts as too slow and is disconnected",
              &Config::ws_send_queue, 8, 100000),
      integer("PM_WS_FRAMES_PER_10S", "frames one WebSocket may send per 10 s; beyond, each gets a rate-limited error",
              &Config::ws_frames_per_10s, 1, 1000000),
      integer("PM_WS_SOCKETS_PER_USER", "open WebSockets of one user on one node; one more is refused",
              &Config::ws_sockets_per_user, 1, 10000),
      text("PM_MIGRATIONS_DIR", "folder of NNNN_name.up.sql / .down.sql files", &Config::migrations_dir),
      text("PM_DOCS_DIR", "folder holding openapi.yaml", &Config::docs_dir),
      text("PM_WEB_DIR", "folder of the built web app (index.html, assets/), served at /", &Config::web_dir),
      text("PM_LOG_LEVEL", "debug, info, warn or error", &Config::log_level),
  };
  return all;
}

// KEY=VALUE lines; '#' starts a comment line.
Result<std::map<std::string, std::string>> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::unexpected(Problem("config", fmt::format("cannot read PM_CONFIG_FILE {}", path)));
  std::map<std::string, std::string> values;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos)
      return std::unexpected(Problem("config", fmt::format("{}:{}: expected KEY=VALUE", path, n)));
    values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

// Defaults that depend on where the source tree is. (fmt::format rather than std::string's +:
// GCC 12's -Warray-bounds misfires on the latter once this is inlined into Config::load, as it
// was with the tree at /work/wt-errors.)
Config defaults() {
  Config config;
  config.migrations_dir = fmt::format("{}/migrations", PM_SOURCE_DIR);
  config.docs_dir = fmt::format("{}/docs", PM_SOURCE_DIR);
  config.web_dir = fmt::format("{}/web/dist", PM_SOURCE_DIR);
  config.mail_dir = fmt::format("{}/var/mail", PM_SOURCE_DIR);
  config.notification_dir = fmt::format("{}/var/notifications", PM_SOURCE_DIR);
  config.media_dir = fmt::format("{}/var/media", PM_SOURCE_DIR);
  return config;
}

// Settings that only make sense together: the S3 backend needs its bucket and credentials.
Result<void> check_media(const Config& c) {
  if (c.media_backend != "s3") return {};
  std::vector<std::string> missing;
  for (auto [name, value] : {std::pair{"PM_S3_ENDPOINT", &c.s3_endpoint},
                             {"PM_S3_REGION", &c.s3_region},
                             {"PM_S3_BUCKET", &c.s3_bucket},
                             {"PM_S3_ACCESS_KEY", &c.s3_access_key},
                             {"PM_S3_SECRET_KEY", &c.s3_secret_key}})
    if (value->empty()) missing.emplace_back(name);
  if (!missing.empty())
    return std::unexpected(Problem("config", fmt::format("PM_MEDIA_BACKEND=s3 needs {}", fmt::join(missing, ", "))));
  auto rest = c.s3_endpoint.starts_with("https://")  ? c.s3_endpoint.substr(8)
              : c.s3_endpoint.starts_with("http://") ? c.s3_endpoint.substr(7)
                                                     : std::string{};
  if (rest.ends_with('/')) rest.pop_back();
  if (rest.empty() || rest.find_first_of("/?#@") != std::string::npos)
    return std::unexpected(Problem("config", "PM_S3_ENDPOINT must be http(s)://host[:port] with no path"));
  if (auto why = http_client::refusal(c.s3_endpoint))
    return std::unexpected(Problem("config", "PM_S3_ENDPOINT: " + *why));
  return {};
}

}  // namespace

Result<ConfigValues> config_values() {
  ConfigValues values;
  if (const char* file = std::getenv("PM_CONFIG_FILE"); file && *file) {
    values = PM_TRY(read_file(file));
  }
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (entry.starts_with("PM_") && eq != std::string_view::npos)
      values[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
  }
  return values;
}

std::string config_value(const ConfigValues& values, const std::string& name, std::string fallback) {
  auto it = values.find(name);
  return it == values.end() || it->second.empty() ? fallback : it->second;
}

Result<Config> Config::load() {
  Config config = defaults();
  const ConfigValues values = PM_TRY(config_values());

  for (const auto& s : settings()) {
    auto it = values.find(s.name);
    if (it == values.end()) continue;
    if (!s.set(config, it->second))
      return std::unexpected(Problem("config", fmt::format("{} has an invalid value", s.name)));
  }
  PM_TRY(check_media(config));
  return config;
}

std::string Config::describe() {
  const Config base = defaults();
  std::string out = "Environment (PM_CONFIG_FILE may name a file of KEY=VALUE lines; the environment wins):\n";
  for (const auto& s : settings()) {
    std::string def = s.get(base);
    out += fmt::format("  {:<28} {}{}\n", s.name, s.help, def.empty() ? "" : fmt::format(" [default: {}]", def));
  }
  return out;
}

}  // namespace pm
