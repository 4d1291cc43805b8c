// /readyz follows the stores: a private real redis-server is stopped and started under it.

#include <gtest/gtest.h>

#include "support/processes.hpp"
#include "support/test_server.hpp"

using namespace pm;

TEST(Readiness, RedisDownIs503NamingItThenRecovers) {
  test::TestDatabase db;
  test::RedisServer redis;
  auto config = test::test_config(db);
  config.redis_url = redis.url();
  config.redis_timeout = Millis(300);
  test::TestServer server(config);

  EXPECT_EQ(server.request("GET", "/readyz").status, 200);

  redis.stop();
  auto down = server.request("GET", "/readyz");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.header("Content-Type"), "application/problem+json");
  auto body = down.json();
  EXPECT_EQ(body["type"], "/problems/not-ready");
  EXPECT_EQ(body["checks"]["postgres"], "ok");
  EXPECT_NE(body["checks"]["redis"], "ok");
  EXPECT_NE(body["detail"].get<std::string>().find("redis"), std::string::npos) << body["detail"];
  EXPECT_EQ(server.request("GET", "/healthz").status, 200) << "liveness does not depend on the stores";

  redis.start();
  auto back = server.request("GET", "/readyz");
  EXPECT_EQ(back.status, 200) << back.body;
}

TEST(Readiness, PostgresUnreachableIs503NamingIt) {
  test::TestDatabase db;
  auto config = test::test_config(db);
  // A port where nothing listens: PostgreSQL is "down" for this server only.
  config.database_url = "postgresql://pm@127.0.0.1:" + std::to_string(test::free_port()) + "/perfectmatch";
  test::TestServer server(config);
  auto res = server.request("GET", "/readyz");
  EXPECT_EQ(res.status, 503);
  EXPECT_NE(res.json()["checks"]["postgres"], "ok");
  EXPECT_EQ(res.json()["checks"]["redis"], "ok");
}
