// PM_SMTP_* and PM_DKIM_* (mail/smtp_sender.hpp) come from PM_CONFIG_FILE as every other setting
// does, the environment winning (core/config_values.hpp), and a bad one is an error naming it.
#include <stdlib.h>

#include <fstream>

#include <gtest/gtest.h>

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
