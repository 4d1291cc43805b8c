#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "core/config.hpp"

using namespace pm;

namespace {
struct EnvGuard {
  explicit EnvGuard(const char* name) : name(name) {}
  ~EnvGuard() { unsetenv(name); }
  const char* name;
};
}  // namespace

TEST(Config, EnvironmentOverridesDefaults) {
  EnvGuard a("PM_HTTP_PORT"), b("PM_READ_TIMEOUT_MS");
  setenv("PM_HTTP_PORT", "9191", 1);
  setenv("PM_READ_TIMEOUT_MS", "250", 1);
  auto c = Config::load();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->http_port, 9191);
  EXPECT_EQ(c->read_timeout.count(), 250);
  EXPECT_EQ(c->idle_timeout.count(), 60000) << "untouched settings keep their default";
}

TEST(Config, InvalidValueIsRefusedNamingTheVariableNotTheValue) {
  EnvGuard a("PM_HTTP_PORT");
  setenv("PM_HTTP_PORT", "99999", 1);
  auto c = Config::load();
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().detail.find("PM_HTTP_PORT"), std::string::npos);
  EXPECT_EQ(c.error().detail.find("99999"), std::string::npos) << "values may be secrets: never echoed";

  setenv("PM_HTTP_PORT", "80x", 1);
  EXPECT_FALSE(Config::load().has_value());
}

TEST(Config, FileIsReadAndEnvironmentWins) {
  std::string path = ::testing::TempDir() + "pm-config-test.env";
  {
    std::ofstream f(path);
    f << "# comment\nPM_DB_POOL_SIZE=7\nPM_IO_THREADS=3\n";
  }
  EnvGuard a("PM_CONFIG_FILE"), b("PM_IO_THREADS");
  setenv("PM_CONFIG_FILE", path.c_str(), 1);
  setenv("PM_IO_THREADS", "5", 1);
  auto c = Config::load();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->db_pool_size, 7);
  EXPECT_EQ(c->io_threads, 5);
}

TEST(Config, DescribeListsEverySettingWithItsDefault) {
  auto text = Config::describe();
  for (const char* name : {"PM_DATABASE_URL", "PM_REDIS_URL", "PM_HTTP_PORT", "PM_MAX_BODY_BYTES", "PM_LOG_LEVEL"})
    EXPECT_NE(text.find(name), std::string::npos) << name;
  EXPECT_NE(text.find("[default: 8080]"), std::string::npos);
}
