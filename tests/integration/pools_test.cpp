// The connection pools against the real servers.

#include <gtest/gtest.h>

#include "cache/redis.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "support/stack.hpp"

using namespace pm;

TEST(DbPool, ExhaustedPoolAnswers503AfterTheTimeout) {
  test::TestDatabase db;
  db::Pool pool({.url = db.url(), .size = 2, .acquire_timeout = Millis(100)});
  auto a = pool.acquire();
  auto b = pool.acquire();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(pool.stats().in_use, 2);
  auto c = pool.acquire();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().status, 503);
  EXPECT_EQ(c.error().type, "database-busy");
  EXPECT_EQ(pool.stats().acquire_timeouts, 1u);
}

TEST(DbPool, ReleasedConnectionsAreReused) {
  test::TestDatabase db;
  db::Pool pool({.url = db.url(), .size = 2});
  int backend = 0;
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease);
    backend = (*lease)->backendpid();
  }
  auto again = pool.acquire();
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->backendpid(), backend);
  EXPECT_EQ(pool.stats().open, 1);
}

TEST(DbPool, TransactCommitsOnValueAndRollsBackOnProblem) {
  test::TestDatabase db;
  db::Pool pool({.url = db.url(), .size = 2});
  auto ok = db::transact(pool, [](pqxx::work& tx) -> Result<int> {
    tx.exec("INSERT INTO users (email) VALUES ('kept@example.test')");
    return 1;
  });
  ASSERT_TRUE(ok);
  auto refused = db::transact(pool, [](pqxx::work& tx) -> Result<int> {
    tx.exec("INSERT INTO users (email) VALUES ('dropped@example.test')");
    return std::unexpected(Problem("internal", "changed my mind"));
  });
  ASSERT_FALSE(refused);
  auto count = db::transact(
      pool, [](pqxx::work& tx) -> Result<int> { return tx.exec1("SELECT count(*) FROM users")[0].as<int>(); });
  EXPECT_EQ(*count, 1);
}

TEST(DbPool, UnreachableServerIs503NotAnException) {
  db::Pool pool({.url = "postgresql://pm@127.0.0.1:1/none", .size = 1, .connect_timeout = Millis(1000)});
  auto lease = pool.acquire();
  ASSERT_FALSE(lease);
  EXPECT_EQ(lease.error().status, 503);
  EXPECT_EQ(pool.stats().open, 0) << "a failed connect does not hold a slot";
}

TEST(RedisPool, RunsCommandsBinarySafe) {
  cache::RedisPool redis({.url = test::redis_url(), .size = 2});
  auto key = test::redis_prefix() + "k";
  std::string value("a\0b", 3);
  ASSERT_TRUE(redis.command({"SET", key, value, "EX", "30"}));
  auto got = redis.command({"GET", key});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->str(), value);
  auto err = redis.command({"INCR", key});
  ASSERT_TRUE(err);
  EXPECT_TRUE(err->is_error()) << "a Redis error reply is a reply, not a lost connection";
  redis.command({"DEL", key});
}

TEST(RedisPool, WrongPasswordIs503) {
  auto url = test::redis_url();
  auto parsed = cache::parse_redis_url(url);
  ASSERT_TRUE(parsed);
  cache::RedisPool redis(
      {.url = "redis://default:wrong@" + parsed->host + ":" + std::to_string(parsed->port) + "/0", .size = 1});
  auto r = redis.command({"PING"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 503);
}
