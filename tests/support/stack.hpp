#pragma once
// Test access to the real local stack started by `./pm stack up` (or `./pm test`).
// Nothing here mocks PostgreSQL or Redis: tests get their own database on the real server,
// and Redis keys under their own prefix.

#include <string>

#include <pqxx/pqxx>

#include "core/config.hpp"

namespace pm::test {

// From the environment, else from var/stack.env; a test run without a stack fails loudly.
const std::string& database_url();
const std::string& redis_url();

// A database of its own for one test, created from a template that has every migration applied
// (or empty, for the migration tests), dropped when the object goes away.
class TestDatabase {
 public:
  enum class Schema { migrated, empty };
  explicit TestDatabase(Schema schema = Schema::migrated);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }  // libpq key=value connection string
  pqxx::connection connect() const { return pqxx::connection(url_); }

 private:
  std::string name_;
  std::string url_;
};

// Where the source tree's migrations are.
std::string migrations_dir();

// A configuration for an in-process server against `db`, on a free port, with quiet logs.
Config test_config(const TestDatabase& db);

// Shell environment assignments ("PM_DATABASE_URL='...' ...") that make a perfectmatch process
// work on the same database, Redis, keys and question bank as `config`.
std::string process_env(const Config& config);

// A unique prefix for this test's Redis keys.
std::string redis_prefix();

}  // namespace pm::test
