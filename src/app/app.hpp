#pragma once
// The application object: configuration, stores and routes, wired together. The only place
// where modules meet; `serve` runs it, tests build one against their own stores.

#include "cache/redis.hpp"
#include "core/config.hpp"
#include "db/pool.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "ops/service.hpp"

namespace pm::app {

class App {
 public:
  explicit App(Config config);

  const Config config;
  db::Pool db;
  cache::RedisPool redis;
  http::Metrics metrics;
  http::Router router;

  // Closes the pools (after the server has stopped).
  void close();

 private:
  ops::HealthService health_;
};

}  // namespace pm::app
