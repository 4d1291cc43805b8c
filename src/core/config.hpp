#pragma once
// Configuration: PM_* environment variables over an optional KEY=VALUE file (PM_CONFIG_FILE).
// Every setting, its default and its meaning is listed once, in config.cpp; `--help` prints that list.

#include <chrono>
#include <cstdint>
#include <string>

#include "core/problem.hpp"

namespace pm {

using Millis = std::chrono::milliseconds;

struct Config {
  // Stores
  std::string database_url = "postgresql://pm@127.0.0.1:55432/perfectmatch";
  std::string redis_url = "redis://127.0.0.1:56379/0";
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

  // Sign-in with OpenID Connect providers (src/auth/oidc, docs/oauth.md)
  std::string oauth_providers;            // JSON file listing the providers; empty: none
  Millis oauth_clock_skew{60000};         // tolerance on exp, nbf and iat
  Millis oauth_jwks_cache_ttl{3600000};   // how long a provider's key set is kept
  Millis oauth_jwks_min_refetch{30000};   // at most one key-set fetch per provider per interval
  Millis oauth_jwks_timeout{5000};        // HTTP fetch of a key set, connect included

  // Files and logs
  std::string migrations_dir;
  std::string docs_dir;
  std::string log_level = "info";

  // Reads PM_CONFIG_FILE (if set) and then the environment; a malformed value is an error naming it.
  static Result<Config> load();
  // The list of settings with defaults and descriptions, for --help.
  static std::string describe();
};

}  // namespace pm
