#include "support/stack.hpp"

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "db/conninfo.hpp"
#include "db/migrations.hpp"
#include "support/processes.hpp"

namespace pm::test {

namespace {

// Reads `export NAME=value` from var/stack.env.
std::string from_stack_env(const char* name) {
  std::ifstream in(std::string(PM_SOURCE_DIR) + "/var/stack.env");
  std::string line, prefix = fmt::format("export {}=", name);
  while (std::getline(in, line))
    if (line.starts_with(prefix)) return line.substr(prefix.size());
  return {};
}

std::string stack_value(const char* name) {
  if (const char* v = std::getenv(name); v && *v) return v;
  std::string v = from_stack_env(name);
  if (v.empty()) {
    // Not a skip: a run without the stack must fail, not pass silently.
    throw std::runtime_error(fmt::format("{} is not set and var/stack.env has none: run ./pm stack up", name));
  }
  return v;
}

std::string with_db(const std::string& dbname, const std::string& url = admin_database_url()) {
  auto info = db::conninfo_with(url, {{"dbname", dbname}});
  if (!info) throw std::runtime_error(info.error().detail);
  return *info;
}

// The name of the migrated template: it changes whenever a migration file does, and with the
// UTC month, since the migrations make the partitions of the month they run in and the next three
// (a run that crosses a month's end would otherwise give later tests last month's; each test is a
// process of its own under ctest, and ./pm test drops the templates of the runs before).
std::string template_name(const std::vector<db::Migration>& files) {
  std::string all;
  for (const auto& f : files) all += f.checksum;
  all += crypto::sha256_hex(bootstrap_sql());
  all += fmt::format("{:%Y-%m}", fmt::gmtime(std::time(nullptr)));
  return "pm_template_" + crypto::sha256_hex(all).substr(0, 16);
}

// Creates the migrated template once per migration set; many test processes may race here.
std::string migrated_template() {
  static const std::string name = [] {
    auto files = db::load_migrations(migrations_dir());
    if (!files) throw std::runtime_error(files.error().detail);
    std::string tmpl = template_name(*files);
    pqxx::connection admin(with_db("postgres"));
    pqxx::nontransaction q(admin);
    q.exec("SELECT pg_advisory_lock(hashtext('perfectmatch.test-template'))");
    if (q.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", tmpl).empty()) {
      std::string building = tmpl + "_build";
      q.exec("DROP DATABASE IF EXISTS " + q.quote_name(building));
      q.exec("CREATE DATABASE " + q.quote_name(building));
      {
        // As `./pm stack up` and `perfectmatch migrate` do it: the superuser's bootstrap, then
        // every migration as the owner role.
        pqxx::connection boot(with_db(building));
        pqxx::nontransaction(boot).exec(bootstrap_sql());
      }
      {
        pqxx::connection conn(with_db(building, migrate_database_url()));
        db::Migrator migrator(conn, std::move(*files));
        auto applied = migrator.up();
        if (!applied) throw std::runtime_error("migrating the test template failed: " + applied.error().detail);
      }
      q.exec("ALTER DATABASE " + q.quote_name(building) + " RENAME TO " + q.quote_name(tmpl));
    }
    q.exec("SELECT pg_advisory_unlock(hashtext('perfectmatch.test-template'))");
    return tmpl;
  }();
  return name;
}

}  // namespace

const std::string& database_url() {
  static const std::string url = stack_value("PM_DATABASE_URL");
  return url;
}

const std::string& admin_database_url() {
  static const std::string url = stack_value("PM_ADMIN_DATABASE_URL");
  return url;
}

const std::string& migrate_database_url() {
  static const std::string url = stack_value("PM_MIGRATE_DATABASE_URL");
  return url;
}

std::string bootstrap_sql() {
  std::ifstream in(std::string(PM_SOURCE_DIR) + "/deps/postgres-bootstrap.sql");
  if (!in) throw std::runtime_error("cannot read deps/postgres-bootstrap.sql");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string& redis_url() {
  static const std::string url = stack_value("PM_REDIS_URL");
  return url;
}

std::string migrations_dir() { return std::string(PM_SOURCE_DIR) + "/migrations"; }

TestDatabase::TestDatabase(Schema schema) : name_("pm_test_" + crypto::random_hex(8)) {
  pqxx::connection admin(with_db("postgres"));
  pqxx::nontransaction q(admin);
  if (schema == Schema::migrated)
    q.exec("CREATE DATABASE " + q.quote_name(name_) + " TEMPLATE " + q.quote_name(migrated_template()));
  else
    q.exec("CREATE DATABASE " + q.quote_name(name_));
  url_ = with_db(name_);
  app_url_ = with_db(name_, database_url());
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(with_db("postgres"));
    pqxx::nontransaction q(admin);
    q.exec("DROP DATABASE IF EXISTS " + q.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "could not drop test database " << name_ << ": " << e.what();
  }
}

bool TestDatabase::statement_waits_for_a_lock(const std::string& query_like) const {
  auto conn = connect();
  return pqxx::nontransaction(conn)
             .exec_params1(
                 "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND wait_event_type = 'Lock' AND query LIKE $1",
                 query_like)[0]
             .as<long long>() > 0;
}

void TestDatabase::slow_down(const std::string& table, const std::string& timing, double seconds) const {
  auto conn = connect();
  pqxx::nontransaction q(conn);
  const std::string name = "pm_test_slow_" + table;
  q.exec(
      fmt::format("CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS "
                  "$$ BEGIN PERFORM pg_sleep({}); RETURN NULL; END $$",
                  name, seconds));
  q.exec(fmt::format("CREATE TRIGGER {0} {1} ON {2} FOR EACH STATEMENT EXECUTE FUNCTION {0}()", name, timing, table));
}

void TestDatabase::fail_once(const std::string& table, const std::string& timing, const std::string& sqlstate) const {
  auto conn = connect();
  pqxx::nontransaction q(conn);
  const std::string name = "pm_test_fail_once_" + table;
  q.exec(fmt::format("CREATE SEQUENCE {}", name));
  q.exec(
      fmt::format("CREATE OR REPLACE FUNCTION {0}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS "
                  "$$ BEGIN IF nextval('{0}') = 1 THEN RAISE EXCEPTION 'failed once by the test' "
                  "USING ERRCODE = '{1}'; END IF; RETURN NULL; END $$",
                  name, sqlstate));
  q.exec(fmt::format("CREATE TRIGGER {0} {1} ON {2} FOR EACH STATEMENT EXECUTE FUNCTION {0}()", name, timing, table));
}

Config test_config(const TestDatabase& db) {
  log::set_level(std::getenv("PM_TEST_LOG") ? "debug" : "warn");
  auto config = Config::load();
  if (!config) throw std::runtime_error(config.error().detail);
  config->database_url = db.app_url();  // the app role, as `serve` runs: row-level security applies
  config->migrate_database_url = with_db(db.name(), migrate_database_url());
  config->redis_url = redis_url();
  config->http_host = "127.0.0.1";
  config->http_port = 0;
  config->db_pool_size = 4;
  config->redis_pool_size = 4;
  config->handler_threads = 4;
  config->migrations_dir = migrations_dir();
  config->docs_dir = std::string(PM_SOURCE_DIR) + "/docs";
  // No web app: the API's tests see the API's own 404s (tests/unit/static_files_test.cpp tests it).
  config->web_dir = "";
  // Keys of this test alone; cheap password hashing (the parameters are exercised, not their cost).
  config->pii_keys = "t1:" + crypto::random_hex(32);
  config->pii_active_key = "";
  config->blind_index_key = crypto::random_hex(32);
  config->argon2_opslimit = 1;
  config->argon2_memlimit_kib = 8;
  config->mail_dir = ::testing::TempDir() + "pm-mail-" + db.name();
  config->notification_dir = ::testing::TempDir() + "pm-notifications-" + db.name();
  config->media_backend = "local";
  config->media_dir = ::testing::TempDir() + "pm-media-" + db.name();
  config->media_url_secret = crypto::random_hex(32);
  // Limits are counted in the shared Redis by client IP: tests that check a limit lower it and
  // name their own client with X-Forwarded-For (see with_client_ip); the rest never reach one.
  config->trusted_proxies = "127.0.0.1";
  config->login_limit_per_ip = config->login_limit_per_account = 1000000;
  config->reset_limit_per_ip = config->reset_limit_per_account = 1000000;
  config->signup_limit_per_ip = 1000000;
  return *config;
}

std::string redis_prefix() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return fmt::format("test:{}:{}:{}:", info ? info->test_suite_name() : "none", info ? info->name() : "none",
                     crypto::random_hex(4));
}

std::string process_env(const Config& c) {
  std::string env;
  for (const auto& [name, value] : {std::pair{"PM_DATABASE_URL", c.database_url},
                                    {"PM_MIGRATE_DATABASE_URL", c.migrate_database_url},
                                    {"PM_REDIS_URL", c.redis_url},
                                    {"PM_PII_KEYS", c.pii_keys},
                                    {"PM_BLIND_INDEX_KEY", c.blind_index_key},
                                    {"PM_QUESTION_BANK", c.question_bank},
                                    {"PM_LOG_LEVEL", std::string("warn")},
                                    {"PM_MEDIA_BACKEND", c.media_backend},
                                    {"PM_MEDIA_DIR", c.media_dir},
                                    {"PM_MEDIA_URL_SECRET", c.media_url_secret},
                                    // (a worker delivers the outboxes too: into the test's folders)
                                    {"PM_MAIL_DIR", c.mail_dir},
                                    {"PM_NOTIFICATION_DIR", c.notification_dir}})
    env += std::string(name) + "=" + shell_quote(value) + " ";
  return env;
}

}  // namespace pm::test
