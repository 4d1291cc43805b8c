#include "app/app.hpp"

#include <fmt/format.h>

#include "ops/routes.hpp"

namespace pm::app {

namespace {

void pool_gauges(std::string& out, std::string_view store, int size, int open, int in_use, unsigned long long timeouts) {
  out += fmt::format("# HELP pm_{0}_pool_connections Connections of the {0} pool by state.\n"
                     "# TYPE pm_{0}_pool_connections gauge\n"
                     "pm_{0}_pool_connections{{state=\"max\"}} {1}\n"
                     "pm_{0}_pool_connections{{state=\"open\"}} {2}\n"
                     "pm_{0}_pool_connections{{state=\"in_use\"}} {3}\n"
                     "# HELP pm_{0}_pool_acquire_timeouts_total Checkouts that gave up waiting for a connection.\n"
                     "# TYPE pm_{0}_pool_acquire_timeouts_total counter\n"
                     "pm_{0}_pool_acquire_timeouts_total {4}\n",
                     store, size, open, in_use, timeouts);
}

}  // namespace

App::App(Config cfg)
    : config(std::move(cfg)),
      db(db::PoolOptions::from(config)),
      redis(cache::RedisOptions::from(config)),
      health_(db, redis) {
  metrics.add_source([this](std::string& out) {
    auto d = db.stats();
    pool_gauges(out, "db", d.size, d.open, d.in_use, d.acquire_timeouts);
    auto r = redis.stats();
    pool_gauges(out, "redis", r.size, r.open, r.in_use, r.acquire_timeouts);
  });
  ops::add_routes(router, health_, metrics, config.docs_dir);
}

void App::close() {
  db.close();
  redis.close();
}

}  // namespace pm::app
