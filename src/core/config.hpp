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

  // Media storage (src/storage): a local directory by default, or an S3 bucket
  std::string media_backend = "local";  // "local" | "s3"
  std::string media_dir;                // local backend's folder
  std::string media_url_secret;         // HMAC key of the local backend's signed URLs; empty: random per process
  std::string s3_endpoint;              // http(s)://host[:port], no path
  std::string s3_region = "us-east-1";
  std::string s3_bucket;
  std::string s3_access_key;
  std::string s3_secret_key;
  bool s3_path_style = false;  // endpoint/bucket/key instead of bucket.endpoint/key
  Millis s3_connect_timeout{3000};
  Millis s3_timeout{15000};

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
