// The migration runner against a real PostgreSQL: each test gets an empty database of its own.

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "db/migrations.hpp"
#include "support/stack.hpp"

using namespace pm;
namespace fs = std::filesystem;

namespace {

std::vector<db::Migration> project_migrations() {
  auto files = db::load_migrations(test::migrations_dir());
  EXPECT_TRUE(files.has_value()) << files.error().detail;
  return *files;
}

std::string schema_dump(const test::TestDatabase& db) {
  // A fixed --restrict-key: pg_dump otherwise writes a random one into every dump.
  std::string cmd =
      "/usr/lib/postgresql/15/bin/pg_dump --schema-only --no-owner --restrict-key=pmtest \"" + db.url() + "\"";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  char buf[65536];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << "pg_dump failed";
  return out;
}

int count(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction q(conn);
  return q.exec1(sql)[0].as<int>();
}

struct MigrationCopy {  // the project's migrations in a folder a test may change
  MigrationCopy() : path(fs::path(::testing::TempDir()) / ("pm-migrations-" + crypto::random_hex(6))) {
    fs::copy(test::migrations_dir(), path);
  }
  ~MigrationCopy() { fs::remove_all(path); }
  fs::path path;
};

}  // namespace

TEST(Migrations, UpThenDownAllThenUpLeavesAnIdenticalSchema) {
  test::TestDatabase db(test::TestDatabase::Schema::empty);
  auto conn = db.connect();
  auto files = project_migrations();
  const auto total = files.size();
  db::Migrator migrator(conn, std::move(files));

  auto applied = migrator.up();
  ASSERT_TRUE(applied.has_value()) << applied.error().detail;
  EXPECT_EQ(applied->size(), total);
  auto first = schema_dump(db);
  EXPECT_NE(first.find("CREATE TABLE public.users"), std::string::npos);

  auto reverted = migrator.down(true);
  ASSERT_TRUE(reverted.has_value()) << reverted.error().detail;
  EXPECT_EQ(reverted->size(), total);
  EXPECT_EQ(
      count(conn, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"), 0)
      << "down --all must remove every table";
  EXPECT_EQ(count(conn, "SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql'"), 0);

  ASSERT_TRUE(migrator.up().has_value());
  EXPECT_EQ(schema_dump(db), first);
}

TEST(Migrations, UpIsIdempotentAndDownStepsBackOne) {
  test::TestDatabase db(test::TestDatabase::Schema::empty);
  auto conn = db.connect();
  db::Migrator migrator(conn, project_migrations());
  ASSERT_TRUE(migrator.up().has_value());
  auto again = migrator.up();
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->empty()) << "a second up applies nothing";

  auto before = migrator.status();
  ASSERT_TRUE(before.has_value());
  const auto& last = before->back().file->name;
  auto reverted = migrator.down(false);
  ASSERT_TRUE(reverted.has_value());
  ASSERT_EQ(reverted->size(), 1u);
  EXPECT_EQ(reverted->front(), last);

  auto after = migrator.status();
  EXPECT_FALSE(after->back().applied);
  EXPECT_TRUE((*after)[after->size() - 2].applied);
  EXPECT_EQ(count(conn, "SELECT count(*) FROM schema_migrations"), static_cast<int>(after->size()) - 1);
}

TEST(Migrations, AChangedAppliedFileIsRefused) {
  test::TestDatabase db(test::TestDatabase::Schema::empty);
  MigrationCopy copy;
  auto conn = db.connect();
  {
    auto files = db::load_migrations(copy.path);
    db::Migrator migrator(conn, std::move(*files));
    ASSERT_TRUE(migrator.up().has_value());
  }
  std::ofstream(copy.path / "0002_user_management.up.sql", std::ios::app) << "\n-- an edit after the fact\n";
  auto files = db::load_migrations(copy.path);
  ASSERT_TRUE(files.has_value());
  db::Migrator migrator(conn, std::move(*files));

  auto up = migrator.up();
  ASSERT_FALSE(up.has_value());
  EXPECT_NE(up.error().detail.find("0002_user_management was changed after it was applied"), std::string::npos)
      << up.error().detail;
  auto status = migrator.status();
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE((*status)[1].changed);
  EXPECT_FALSE((*status)[0].changed);
}

TEST(Migrations, AFailingMigrationLeavesNothingBehind) {
  test::TestDatabase db(test::TestDatabase::Schema::empty);
  fs::path dir = fs::path(::testing::TempDir()) / ("pm-bad-" + crypto::random_hex(6));
  fs::create_directories(dir);
  std::ofstream(dir / "0001_ok.up.sql") << "CREATE TABLE first_table (id INT);";
  std::ofstream(dir / "0001_ok.down.sql") << "DROP TABLE first_table;";
  std::ofstream(dir / "0002_broken.up.sql") << "CREATE TABLE half_done (id INT);\nSELECT * FROM no_such_table;";
  std::ofstream(dir / "0002_broken.down.sql") << "DROP TABLE half_done;";
  auto conn = db.connect();
  db::Migrator migrator(conn, *db::load_migrations(dir));
  auto up = migrator.up();
  fs::remove_all(dir);

  ASSERT_FALSE(up.has_value());
  EXPECT_NE(up.error().detail.find("0002_broken failed and was rolled back"), std::string::npos) << up.error().detail;
  EXPECT_EQ(count(conn, "SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'"), 0);
  EXPECT_EQ(count(conn, "SELECT count(*) FROM pg_tables WHERE tablename = 'first_table'"), 1);
  EXPECT_EQ(count(conn, "SELECT count(*) FROM schema_migrations"), 1);
}
