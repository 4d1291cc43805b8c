// db::exec_prepared: a statement prepared on a pooled connection keeps answering after a migration
// changed the type of a column it returns (PostgreSQL refuses the old prepared statement once:
// that connection is dropped, the next one prepares it afresh).

#include <gtest/gtest.h>

#include "db/pool.hpp"
#include "db/prepared.hpp"
#include "support/stack.hpp"

using namespace pm;

TEST(PreparedStatements, AColumnTypeChangedByAMigrationCostsOneFailedCallNotAllOfThem) {
  test::TestDatabase db;
  {
    auto conn = db.connect();
    pqxx::work tx(conn);
    tx.exec("CREATE TABLE prepared_probe (n int); INSERT INTO prepared_probe VALUES (7)");
    tx.commit();
  }
  db::Pool pool({.url = db.url(), .size = 1});
  auto read = [&] {
    auto lease = pool.acquire();
    EXPECT_TRUE(lease.has_value());
    pqxx::work tx(**lease);
    auto r = db::exec_prepared(tx, "test_prepared_probe", "SELECT n FROM prepared_probe WHERE n > $1", 0);
    tx.commit();
    return r[0][0].as<std::string>();
  };
  EXPECT_EQ(read(), "7");
  EXPECT_EQ(read(), "7") << "the same connection, the statement already prepared";
  {
    auto conn = db.connect();
    pqxx::work tx(conn);
    tx.exec("ALTER TABLE prepared_probe ALTER COLUMN n TYPE numeric");
    tx.commit();
  }
  EXPECT_THROW(read(), pqxx::sql_error) << "PostgreSQL refuses a prepared statement whose result type changed";
  EXPECT_EQ(read(), "7") << "a new connection prepares it afresh";
  EXPECT_EQ(read(), "7");
}
