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

// PostgreSQL rolls a transaction back to let another go on (here a deadlock, raised): a 503 the
// client may retry, not an exception that becomes a 500; and nothing of it is stored.
TEST(DbPool, ATransactionRolledBackForADeadlockIsA503) {
  test::TestDatabase db;
  db::Pool pool({.url = db.url(), .size = 1});
  auto rolled_back = db::transact(pool, [](pqxx::work& tx) -> Result<int> {
    tx.exec("CREATE TABLE kept (x int)");
    tx.exec("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = 'deadlock_detected'; END $$");
    return 1;
  });
  ASSERT_FALSE(rolled_back);
  EXPECT_EQ(rolled_back.error().status, 503);
  EXPECT_EQ(rolled_back.error().type, "database-busy");
  auto kept = db::transact(pool, [](pqxx::work& tx) -> Result<int> {
    return tx.exec1("SELECT count(*) FROM pg_tables WHERE tablename = 'kept'")[0].as<int>();
  });
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, 0);
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

// PostgreSQL JIT-compiles any statement whose estimate passes jit_above_cost, and our row policies
// inflate estimates: statements of milliseconds then spent seconds compiling (src/db/pool.cpp).
// With the threshold at zero every statement qualifies; a pool's connection still compiles none.
TEST(DbPool, StatementsAreNeverJitCompiled) {
  test::TestDatabase db;
  db::Pool pool({.url = db.url(), .size = 1});
  auto plan = db::transact(pool, [](pqxx::work& tx) -> Result<std::string> {
    tx.exec("SET LOCAL jit_above_cost = 0");
    return tx.exec1("EXPLAIN (ANALYZE, FORMAT JSON) SELECT sum(g * 2) FROM generate_series(1, 1000) g")[0]
        .as<std::string>();
  });
  ASSERT_TRUE(plan);
  EXPECT_NE(plan->find("\"Actual Rows\""), std::string::npos) << *plan;  // (the plan was read)
  EXPECT_EQ(plan->find("\"JIT\""), std::string::npos) << *plan;
}

TEST(DbPool, UnreachableServerIs503NotAnException) {
  db::Pool pool({.url = "postgresql://pm@127.0.0.1:1/none", .size = 1, .connect_timeout = Millis(1000)});
  auto lease = pool.acquire();
  ASSERT_FALSE(lease);
  EXPECT_EQ(lease.error().status, 503);
  EXPECT_EQ(pool.stats().open, 0) << "a failed connect does not hold a slot";
}

// db::read on a pool with a replica: the replica answers (here a second database, so where the
// answer came from shows), read-only; a replica that cannot be reached leaves reads to the primary.
TEST(DbPool, ReadsGoToTheReplicaReadOnlyAndFallBackToThePrimary) {
  test::TestDatabase primary_db;
  test::TestDatabase replica_db;
  auto count_users = [](pqxx::work& tx) -> Result<int> { return tx.exec1("SELECT count(*) FROM users")[0].as<int>(); };
  db::Pool primary_only({.url = primary_db.url(), .size = 2});
  ASSERT_TRUE(db::transact(primary_only, [](pqxx::work& tx) -> Result<bool> {
    tx.exec("INSERT INTO users (email) VALUES ('on-the-primary@example.test')");
    return true;
  }));

  db::Pool with_replica({.url = primary_db.url(), .size = 2, .replica_url = replica_db.url()});
  ASSERT_NE(with_replica.replica(), nullptr);
  EXPECT_EQ(*db::read(with_replica, count_users), 0) << "read from the replica's database";
  EXPECT_EQ(*db::transact(with_replica, count_users), 1) << "transact stays on the primary";
  EXPECT_EQ(with_replica.replica()->stats().open, 1);

  // A write inside db::read is refused by PostgreSQL (a read-only transaction), not silently made.
  EXPECT_THROW((void)db::read(with_replica,
                              [](pqxx::work& tx) -> Result<bool> {
                                tx.exec("INSERT INTO users (email) VALUES ('never@example.test')");
                                return true;
                              }),
               pqxx::sql_error);

  // The primary commits waiting for the replica to apply (synchronous_commit = remote_apply).
  auto setting = db::transact(with_replica, [](pqxx::work& tx) -> Result<std::string> {
    return tx.exec1("SELECT current_setting('synchronous_commit')")[0].as<std::string>();
  });
  EXPECT_EQ(*setting, "remote_apply");
  EXPECT_NE(*db::transact(primary_only,
                          [](pqxx::work& tx) -> Result<std::string> {
                            return tx.exec1("SELECT current_setting('synchronous_commit')")[0].as<std::string>();
                          }),
            "remote_apply")
      << "without a replica, commits are as the server says";

  db::Pool replica_down({.url = primary_db.url(),
                         .size = 2,
                         .connect_timeout = Millis(1000),
                         .replica_url = "postgresql://pm_app@127.0.0.1:1/perfectmatch"});
  auto fallback = db::read(replica_down, count_users);
  ASSERT_TRUE(fallback) << fallback.error().detail;
  EXPECT_EQ(*fallback, 1) << "answered by the primary";
  EXPECT_EQ(replica_down.replica_for_reads(), nullptr) << "reads leave a replica that failed alone for a while";
  EXPECT_NE(with_replica.replica_for_reads(), nullptr);
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
