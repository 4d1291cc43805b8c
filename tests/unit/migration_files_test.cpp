#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "db/migrations.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

TEST(MigrationFiles, LoadsPairsInOrderWithChecksums) {
  pm::test::TempDir d("pm-mig");
  d.write("0002_second.up.sql", "SELECT 2;");
  d.write("0002_second.down.sql", "SELECT -2;");
  d.write("0001_first.up.sql", "SELECT 1;");
  d.write("0001_first.down.sql", "SELECT -1;");
  d.write("README.md", "ignored");
  auto m = pm::db::load_migrations(d.path);
  ASSERT_TRUE(m.has_value()) << m.error().detail;
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].name, "0001_first");
  EXPECT_EQ((*m)[1].name, "0002_second");
  EXPECT_EQ((*m)[0].checksum, pm::crypto::sha256_hex("SELECT 1;"));
}

TEST(MigrationFiles, IgnoresFilesNotNamedLikeAMigration) {
  pm::test::TempDir d("pm-mig");
  d.write("0001_first.up.sql", "SELECT 1;");
  d.write("0001_first.down.sql", "SELECT -1;");
  for (const char* stray : {"0002_Upper.up.sql", "002_short.up.sql", "0002-dash.up.sql", "0002_.up.sql",
                            "0002_x.sideways.sql", "0002_x.up.sql.orig", "x002_bad.down.sql"})
    d.write(stray, "SELECT 2;");
  auto m = pm::db::load_migrations(d.path);
  ASSERT_TRUE(m.has_value()) << m.error().detail;
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].name, "0001_first");
  EXPECT_EQ((*m)[0].up_sql, "SELECT 1;");
  EXPECT_EQ((*m)[0].down_sql, "SELECT -1;");
}

TEST(MigrationFiles, RefusesAGap) {
  pm::test::TempDir d("pm-mig");
  d.write("0001_a.up.sql", "x");
  d.write("0001_a.down.sql", "x");
  d.write("0003_c.up.sql", "x");
  d.write("0003_c.down.sql", "x");
  auto m = pm::db::load_migrations(d.path);
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().detail.find("0002 is missing"), std::string::npos) << m.error().detail;
}

TEST(MigrationFiles, RefusesAMissingDownFile) {
  pm::test::TempDir d("pm-mig");
  d.write("0001_a.up.sql", "x");
  auto m = pm::db::load_migrations(d.path);
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().detail.find("0001_a needs both"), std::string::npos) << m.error().detail;
}

TEST(MigrationFiles, RefusesTwoMigrationsWithOneNumber) {
  pm::test::TempDir d("pm-mig");
  d.write("0001_a.up.sql", "x");
  d.write("0001_a.down.sql", "x");
  d.write("0001_b.up.sql", "x");
  d.write("0001_b.down.sql", "x");
  auto m = pm::db::load_migrations(d.path);
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().detail.find("two migrations are numbered 0001"), std::string::npos) << m.error().detail;
}

TEST(Crypto, Sha256AndUuidShapes) {
  EXPECT_EQ(pm::crypto::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto id = pm::crypto::uuid_v4();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(id, pm::crypto::uuid_v4());
  EXPECT_EQ(pm::crypto::random_hex(32).size(), 64u);
}

// Version 7 ids made one after another sort in the order they were made (as text, as PostgreSQL's
// uuid does), so bulk inserts append to their indexes.
TEST(Crypto, TimeOrderedUuidsSortInTheOrderTheyWereMade) {
  std::vector<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.push_back(pm::crypto::uuid_v7());
  for (const auto& id : ids) {
    ASSERT_TRUE(pm::crypto::is_uuid(id)) << id;
    EXPECT_EQ(id[14], '7') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "an id made twice";
}
