#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "core/config.hpp"
#include "mail/smtp_sender.hpp"

using namespace pm;

namespace {
struct EnvGuard {
  explicit EnvGuard(const char* name) : name(name) {}
  ~EnvGuard() { unsetenv(name); }
  const char* name;
};

std::string config_file(const std::string& lines) {
  std::string path = ::testing::TempDir() + "pm-smtp-settings-test.env";
  std::ofstream(path) << lines;
  return path;
}
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

// PM_SMTP_* and PM_DKIM_* (mail/smtp_sender.hpp) are not Config's, but come from PM_CONFIG_FILE
// as its settings do, the environment winning (core/config_values.hpp).
TEST(SmtpSettings, AreReadFromTheConfigFileAndTheEnvironmentWins) {
  EnvGuard file("PM_CONFIG_FILE"), user("PM_SMTP_USER");
  setenv("PM_CONFIG_FILE",
         config_file("# the relay\nPM_SMTP_URL=smtp://relay.example.com:587\nPM_SMTP_USER=from-file\n"
                     "PM_SMTP_PASSWORD=s3cret\nPM_SMTP_FROM=Perfect Match <no-reply@mail.example.com>\n"
                     "PM_SMTP_TIMEOUT_MS=5000\nPM_DKIM_SELECTOR=pm2026\nPM_DKIM_DOMAIN=mail.example.com\n"
                     "PM_DKIM_KEY_FILE=/etc/perfectmatch/dkim.key\n")
             .c_str(),
         1);
  setenv("PM_SMTP_USER", "from-env", 1);
  auto s = mail::SmtpSettings::load();
  ASSERT_TRUE(s.has_value()) << s.error().detail;
  EXPECT_EQ(s->url, "smtp://relay.example.com:587");
  EXPECT_EQ(s->user, "from-env") << "the environment wins";
  EXPECT_EQ(s->password, "s3cret");
  EXPECT_EQ(s->from, "Perfect Match <no-reply@mail.example.com>");
  EXPECT_EQ(s->timeout.count(), 5000);
  EXPECT_EQ(s->dkim_selector, "pm2026");
  EXPECT_EQ(s->dkim_domain, "mail.example.com");
  EXPECT_EQ(s->dkim_key_file, "/etc/perfectmatch/dkim.key");
}

TEST(SmtpSettings, AMalformedOneInTheFileIsAnErrorNamingIt) {
  EnvGuard file("PM_CONFIG_FILE");
  setenv("PM_CONFIG_FILE", config_file("PM_SMTP_URL=smtp://relay.example.com:587\nPM_DKIM_SELECTOR=pm\n").c_str(), 1);
  auto half_dkim = mail::SmtpSettings::load();
  ASSERT_FALSE(half_dkim.has_value());
  EXPECT_NE(half_dkim.error().detail.find("PM_DKIM_DOMAIN"), std::string::npos);

  setenv("PM_CONFIG_FILE", config_file("PM_SMTP_URL=http://relay.example.com\n").c_str(), 1);
  auto scheme = mail::SmtpSettings::load();
  ASSERT_FALSE(scheme.has_value());
  EXPECT_NE(scheme.error().detail.find("PM_SMTP_URL"), std::string::npos);

  setenv("PM_CONFIG_FILE", "/nonexistent/pm.env", 1);
  EXPECT_FALSE(mail::SmtpSettings::load().has_value()) << "an unreadable file stops the process";
}
