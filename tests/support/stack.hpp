#pragma once
// Test access to the real local stack started by `./pm stack up` (or `./pm test`).
// Nothing here mocks PostgreSQL or Redis: tests get their own database on the real server,
// and Redis keys under their own prefix.

#include <string>

#include <pqxx/pqxx>

#include "core/config.hpp"

namespace pm::test {

// From the environment, else from var/stack.env; a test run without a stack fails loudly.
// database_url: the app role's (servers, workers); admin_database_url: the bootstrap superuser's
// (creating test databases, and the tests' own fixtures and checks, which row-level security does
// not bind); migrate_database_url: the owner role's (migrating the template).
const std::string& database_url();
const std::string& admin_database_url();
const std::string& migrate_database_url();
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
  // The superuser's libpq key=value connection string: fixtures and checks (no row-level security).
  const std::string& url() const { return url_; }
  // The app role's, as the server connects (test_config uses it).
  const std::string& app_url() const { return app_url_; }
  pqxx::connection connect() const { return pqxx::connection(url_); }
  // Whether a statement on this database (its text LIKE `query_like`) is waiting for a lock now:
  // how a test holding a lock knows the server reached it (poll it with test::eventually).
  bool statement_waits_for_a_lock(const std::string& query_like) const;
  // Makes each statement that `timing` ("BEFORE INSERT", "AFTER UPDATE"...) names on `table` take
  // `seconds` longer, in this database only (a trigger): a request that reads, then writes, is
  // still writing when the next one reads, so a race between two requests happens every time.
  void slow_down(const std::string& table, const std::string& timing, double seconds) const;
  // Makes the next statement that `timing` names on `table` fail once with `sqlstate` ("40P01" a
  // deadlock's victim, "40001" a serialization failure), as PostgreSQL aborts one transaction of
  // two; the statements after it run as usual (a sequence counts, and is not rolled back).
  void fail_once(const std::string& table, const std::string& timing, const std::string& sqlstate) const;

 private:
  std::string name_;
  std::string url_;
  std::string app_url_;
};

// The roles, the extensions and the schema's owner a superuser sets up before any migration.
std::string bootstrap_sql();

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
