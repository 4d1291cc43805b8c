// COPY of composed rows (db/copy.hpp) against the real server: what goes in comes back, and a row
// PostgreSQL refuses fails the transaction without spoiling the connection.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <thread>

#include "db/copy.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "support/stack.hpp"

using namespace pm;

namespace {

const char* kTable = "CREATE TEMP TABLE copied (n int, t text, x float8, j jsonb) ON COMMIT DROP";

}  // namespace

TEST(DbCopy, RowsComeBackExactlyAsComposed) {
  test::TestDatabase db;
  db::Pool pool({.url = db.url(), .size = 1});
  // Every byte COPY's text format treats specially, a literal "\N" that must stay text, UTF-8, an
  // empty string (not NULL), JSON with escapes, and doubles that only read back exactly in full.
  const std::vector<std::string> texts = {
      "tab\there", "line\nbreak\r\n", "back\\slash \\N", "\\N", "", "Zoë 💬", std::string(300000, 'a') + "\t"};
  const std::vector<double> numbers = {0.1, 1.0 / 3.0, -2.5e-300, std::numeric_limits<double>::max(), 92.5, 0, 1e21};
  auto got =
      db::transact(pool, [&](pqxx::work& tx) -> Result<std::vector<std::tuple<std::string, double, std::string>>> {
        tx.exec(kTable);
        db::CopyRows rows;
        for (std::size_t i = 0; i < texts.size(); ++i)
          rows.number(static_cast<double>(i))
              .text(texts[i])
              .number(numbers[i])
              .text(R"({"q": "say \"hi\"\n"})")
              .end_row();
        db::CopyRows last;
        last.number(99).null().number(std::optional<double>()).null().end_row();
        db::copy_rows(tx, "copied", {"n", "t", "x", "j"}, {&rows, &last});
        std::vector<std::tuple<std::string, double, std::string>> out;
        for (const auto& r : tx.exec("SELECT t, x, j->>'q' AS q FROM copied WHERE n < 99 ORDER BY n"))
          out.emplace_back(r["t"].as<std::string>(), r["x"].as<double>(), r["q"].as<std::string>());
        EXPECT_EQ(
            tx.exec1("SELECT count(*) FROM copied WHERE n = 99 AND t IS NULL AND x IS NULL AND j IS NULL")[0].as<int>(),
            1);
        return out;
      });
  ASSERT_TRUE(got) << got.error().detail;
  ASSERT_EQ(got->size(), texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(std::get<0>((*got)[i]), texts[i]) << i;
    EXPECT_EQ(std::get<1>((*got)[i]), numbers[i]) << i;  // exactly: the shortest text that reads back the same
    EXPECT_EQ(std::get<2>((*got)[i]), "say \"hi\"\n") << i;
  }
}

TEST(DbCopy, ARefusedRowFailsTheTransactionAndTheConnectionGoesOn) {
  test::TestDatabase db;
  db::Pool pool({.url = db.url(), .size = 1});
  {
    auto conn = db.connect();
    pqxx::nontransaction(conn).exec("CREATE TABLE kept (n int PRIMARY KEY, j jsonb)");
  }
  EXPECT_THROW(db::transact(pool,
                            [](pqxx::work& tx) -> Result<bool> {
                              tx.exec("INSERT INTO kept VALUES (1, '{}')");
                              db::CopyRows rows;
                              rows.number(2).text("{}").end_row().number(3).text("{not json").end_row();
                              db::copy_rows(tx, "kept", {"n", "j"}, {&rows});
                              return true;
                            }),
               pqxx::sql_error);
  // Nothing of the failed transaction stayed, and the same connection serves the next one.
  auto count = db::transact(
      pool, [](pqxx::work& tx) -> Result<int> { return tx.exec1("SELECT count(*) FROM kept")[0].as<int>(); });
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 0);
  EXPECT_EQ(pool.stats().open, 1);
}

// The connection lost in the middle of a COPY (a server restart, a failover): the writer gets an
// error to act on, never a wait without end.
TEST(DbCopy, AConnectionLostMidCopyIsAnErrorNotAHang) {
  test::TestDatabase db;
  db::Pool pool({.url = db.url(), .size = 1});
  // Enough rows (~200 MB) that PostgreSQL is still reading them when its backend is ended.
  db::CopyRows rows;
  const std::string line(1 << 20, 'x');
  for (int i = 0; i < 200; ++i) rows.text(line).end_row();
  std::atomic<bool> ended{false};
  std::thread terminator([&] {
    auto conn = db.connect();
    pqxx::nontransaction admin(conn);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!ended && std::chrono::steady_clock::now() < deadline) {
      auto r = admin.exec(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'COPY lost%' AND state = 'active' "
          "AND pid <> pg_backend_pid()");
      if (!r.empty()) ended = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  bool failed = false;
  try {
    auto copied = db::transact(pool, [&](pqxx::work& tx) -> Result<bool> {
      tx.exec("CREATE TEMP TABLE lost (t text)");
      db::copy_rows(tx, "lost", {"t"}, {&rows});
      return true;
    });
    failed = !copied;
  } catch (const std::exception&) {
    failed = true;
  }
  ended = true;
  terminator.join();
  EXPECT_TRUE(failed) << "the COPY finished before its backend was ended: the test did not test";
}
