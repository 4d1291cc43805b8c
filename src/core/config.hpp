#pragma once
// Configuration: PM_* environment variables over an optional KEY=VALUE file (PM_CONFIG_FILE).
// Every setting, its default and its meaning is listed once, in config.cpp; `--help` prints that list.

#include <chrono>
#include <cstdint>
#include <string>

#include "core/problem.hpp"

namespace pm {

using Millis = std::chrono::milliseconds;
using Seconds = std::chrono::seconds;

struct Config {
  // Stores
  std::string database_url = "postgresql://pm_app@127.0.0.1:15432/perfectmatch";  // the app role
  std::string migrate_database_url;  // the owner role, for `migrate` only (empty: database_url)
  std::string database_replica_url;  // a streaming replica for read-only work (empty: none; docs/operations.md)
  std::string redis_url = "redis://127.0.0.1:16379/0";
  int db_pool_size = 16;
  Millis db_acquire_timeout{2000};
  Millis db_connect_timeout{3000};
  Millis db_statement_timeout{10000};
  int redis_pool_size = 16;
  Millis redis_timeout{1000};

  // HTTP server
  std::string http_host = "127.0.0.1";
  std::uint16_t http_port = 8080;
  int io_threads = 2;
  int handler_threads = 16;  // blocking work (SQL, Redis) runs here, never on the I/O threads
  std::size_t max_body_bytes = 1 << 20;
  Millis read_timeout{15000};
  Millis write_timeout{15000};
  Millis idle_timeout{60000};
  Millis shutdown_grace{20000};
  // On SIGTERM, how long /readyz answers 503 while the node still serves, before it stops
  // accepting: the time a load balancer needs to take it out (docs/operations.md). 0: stop at once.
  Millis drain_delay{0};
  std::string trusted_proxies;       // comma-separated IPs whose X-Forwarded-For is believed
  std::string cors_origins;          // comma-separated origins allowed to read the API from a browser
  int max_connections_per_ip = 100;  // open connections of one direct client (proxies aside)

  // Accounts: keys (./pm stack up generates them into var/stack.env), passwords, sessions, abuse limits
  std::string pii_keys;         // "k1:<64 hex>,k2:<64 hex>"
  std::string pii_active_key;   // empty: the last of pii_keys
  std::string blind_index_key;  // 64 hex
  int argon2_opslimit = 2;      // OWASP minimum for Argon2id: t=2 with m=19 MiB, p=1
  int argon2_memlimit_kib = 19456;
  Seconds session_idle_ttl{14 * 24 * 3600};
  Seconds session_max_ttl{90 * 24 * 3600};
  Millis session_cache_ttl{5000};  // how long a server may trust a token it resolved: the bound on logout taking effect
  Millis flag_cache_ttl{5000};     // how long a server trusts the feature flags it read (docs/feature-flags.md)
  int login_limit_per_account = 10;
  int login_limit_per_ip = 50;
  Seconds login_window{900};
  int reset_limit_per_account = 5;
  int reset_limit_per_ip = 20;
  Seconds reset_window{3600};
  int signup_limit_per_ip = 20;
  Seconds signup_window{3600};
  // Per user per day (a day's window from the first): cheap actions that harm others when flooded.
  int report_limit_per_day = 20;          // reports filed
  int block_limit_per_day = 100;          // blocks and unblocks
  int export_limit_per_day = 5;           // personal-data exports (each reads everything the user has)
  int location_limit_per_day = 20;        // location changes (many let a user trilaterate others)
  int profile_edit_limit_per_hour = 60;   // PATCH /me (each change drops the partners' cached lists)
  int profile_view_limit_per_hour = 600;  // others' profiles opened (scraping; polling one person's place)
  int email_change_limit_per_day = 10;    // changes of address asked for (each is in a taken address's owner's log)
  int reaction_limit_per_minute = 60;     // message reactions set or removed
  int upload_limit_per_hour = 30;         // image uploads (profile photos and chat images together)
  Seconds verify_token_ttl{48 * 3600};
  Seconds reset_token_ttl{3600};
  std::string mail_dir;
  std::string notification_dir;  // the default notification sender's folder (src/notifications, docs/notifications.md)
  std::string public_url = "http://localhost:8080";
  // Web Push (docs/notifications.md "Push"): the VAPID private key (PEM, `perfectmatch keys vapid`)
  // and the contact push services may write to; no key: push deliveries are files.
  std::string vapid_key_file;
  std::string vapid_subject;
  Millis push_timeout{10000};
  // The push services a browser's subscription may name (host or parent domain, comma-separated):
  // the worker POSTs to that URL, so anything else would let a user aim it at our own network.
  std::string push_service_hosts = "fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com";

  // Sign-in with OpenID Connect providers (src/auth/oidc, docs/oauth.md)
  std::string oauth_providers;           // JSON file listing the providers; empty: none
  Millis oauth_clock_skew{60000};        // tolerance on exp, nbf and iat
  Millis oauth_jwks_cache_ttl{3600000};  // how long a provider's key set is kept
  Millis oauth_jwks_min_refetch{30000};  // at most one key-set fetch per provider per interval
  Millis oauth_jwks_timeout{5000};       // HTTP fetch of a key set, connect included

  // Media storage (src/storage): a local directory by default, or an S3 bucket
  std::string media_backend = "local";  // "local" | "s3"
  std::string media_dir;                // local backend's folder
  std::string media_url_secret;         // HMAC key of the local backend's signed URLs; empty: random per process
  std::string s3_endpoint;              // http(s)://host[:port], no path
  std::string s3_region = "us-east-1";
  std::string s3_bucket;
  std::string s3_access_key;
  std::string s3_secret_key;
  bool s3_path_style = false;     // endpoint/bucket/key instead of bucket.endpoint/key
  std::string s3_sse = "AES256";  // server-side encryption of every object: AES256, aws:kms or empty (none)
  std::string s3_kms_key_id;      // with aws:kms: the key (empty: the bucket's default)
  Millis s3_connect_timeout{3000};
  Millis s3_timeout{15000};

  // Questionnaire
  std::string question_bank = "perfect-match";  // the bank the API serves
  // Made-up users (perfectmatch seed, loadtest-pairs) may be written to this database: the local
  // stack and demos only, never production, where they would be matched with real people.
  bool demo_data = false;

  // Matching engine (src/matching, docs/matching.md)
  std::string embedding_provider = "builtin";  // text embeddings: builtin (offline, deterministic) | openai
  std::string embedding_url;                   // OpenAI-compatible base URL ending in /v1
  std::string embedding_model = "text-embedding-3-small";
  std::string embedding_api_key;
  Millis embedding_timeout{10000};
  int embedding_retries = 2;
  std::string llm_provider = "builtin";  // match insights: builtin | openai (chat completions, falls back to builtin)
  std::string llm_url;                   // OpenAI-compatible base URL ending in /v1
  std::string llm_model = "gpt-4o-mini";
  std::string llm_api_key;
  Millis llm_timeout{20000};
  int llm_retries = 1;
  int matches_per_user = 50;     // matches a generation keeps for a user
  int match_expiry_days = 14;    // a pending match expires after this long
  Seconds match_cache_ttl{900};  // matches:recent:{userId} and match:{matchId}
  Millis index_refresh{2000};    // how often a serving node polls PostgreSQL for changed users
  // The learned ranking (docs/matching.md "The learned ranking")
  int learn_interval_hours = 24;       // the worker trains the reciprocal model this often (0: never on its own)
  int learn_min_outcomes = 1000;       // fewer outcomes than this: no model is trained (questionnaire ranking)
  int models_kept = 5;                 // stored model versions kept (older ones are deleted)
  int model_max_age_days = 7;          // a stored version older than this is deleted (it names users)
  Millis model_poll{30000};            // how often a node looks for a newer stored model
  int exploration_every = 5;           // 1 slot in this many of a new feed goes to people with little history (0: none)
  int exploration_max_decisions = 20;  // "little history": fewer decisions received than this
  int exposure_cap_per_day = 100;      // one person is added to at most this many others' feeds a day (0: no cap)

  // Messaging and the realtime hub (docs/realtime.md)
  int message_retention_days = 365;  // the worker deletes older messages and their media
  int activity_retention_days = 90;  // the worker deletes older activity records (docs/security.md)
  int worker_metrics_port = 0;       // the worker's /metrics on 127.0.0.1 (0: none)
  int message_rate_limit = 120;      // messages one user may send per minute (all conversations)
  int reply_window_days = 3;         // a first message answering the other's within this is a reply (docs/outcomes.md)
  int message_send_lanes = 1;        // threads storing sends in batches (docs/messaging.md)
  Millis ws_idle_timeout{60000};     // a socket silent this long (no frame, no pong) is closed
  Millis ws_session_recheck{60000};  // how often an open socket asks whether its session is still in force
  int ws_send_queue = 256;           // frames queued for one socket before it counts as too slow
  int ws_frames_per_10s = 100;       // frames one socket may send per 10 s
  int ws_sockets_per_user = 10;      // open sockets of one user on one node

  // Files and logs
  std::string migrations_dir;
  std::string docs_dir;
  std::string web_dir;  // the built web app (web/dist), served at / (http/static_files.hpp)
  std::string log_level = "info";

  // Reads PM_CONFIG_FILE (if set) and then the environment; a malformed value is an error naming it.
  static Result<Config> load();
  // The list of settings with defaults and descriptions, for --help.
  static std::string describe();
};

}  // namespace pm
