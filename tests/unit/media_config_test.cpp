// The media settings: backend choice, the S3 settings the s3 backend cannot do without.

#include <cstdlib>

#include <gtest/gtest.h>

#include "core/config.hpp"

using namespace pm;

namespace {
// Sets variables for one test and removes them afterwards.
struct Env {
  explicit Env(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (auto [k, v] : vars) {
      setenv(k, v, 1);
      names.push_back(k);
    }
  }
  ~Env() {
    for (auto* n : names) unsetenv(n);
  }
  std::vector<const char*> names;
};

const std::initializer_list<std::pair<const char*, const char*>> kS3 = {
    {"PM_MEDIA_BACKEND", "s3"},           {"PM_S3_ENDPOINT", "https://s3.eu-west-1.amazonaws.com"},
    {"PM_S3_BUCKET", "pm-media"},         {"PM_S3_ACCESS_KEY", "AKIDEXAMPLE"},
    {"PM_S3_SECRET_KEY", "not-a-secret"}, {"PM_S3_REGION", "eu-west-1"}};
}  // namespace

TEST(MediaConfig, DefaultsToTheLocalBackendUnderVar) {
  auto c = Config::load();
  ASSERT_TRUE(c.has_value()) << c.error().detail;
  EXPECT_EQ(c->media_backend, "local");
  EXPECT_TRUE(c->media_dir.ends_with("/var/media")) << c->media_dir;
  EXPECT_FALSE(c->s3_path_style);
}

TEST(MediaConfig, UnknownBackendIsRefused) {
  Env env({{"PM_MEDIA_BACKEND", "ftp"}});
  auto c = Config::load();
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().detail.find("PM_MEDIA_BACKEND"), std::string::npos);
}

// "none" once passed as text, and every upload then asked S3 for an encryption called "none".
TEST(MediaConfig, ServerSideEncryptionIsOneOfS3sOrEmpty) {
  for (const char* sse : {"AES256", "aws:kms", ""}) {
    Env env({{"PM_S3_SSE", sse}});
    auto c = Config::load();
    ASSERT_TRUE(c.has_value()) << sse << ": " << c.error().detail;
    EXPECT_EQ(c->s3_sse, sse);
  }
  Env env({{"PM_S3_SSE", "none"}});
  auto c = Config::load();
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().detail.find("PM_S3_SSE"), std::string::npos);
}

TEST(MediaConfig, S3BackendReadsItsSettings) {
  Env env(kS3);
  Env style({{"PM_S3_PATH_STYLE", "true"}, {"PM_S3_TIMEOUT_MS", "2500"}});
  auto c = Config::load();
  ASSERT_TRUE(c.has_value()) << c.error().detail;
  EXPECT_EQ(c->media_backend, "s3");
  EXPECT_EQ(c->s3_bucket, "pm-media");
  EXPECT_EQ(c->s3_region, "eu-west-1");
  EXPECT_TRUE(c->s3_path_style);
  EXPECT_EQ(c->s3_timeout.count(), 2500);
}

TEST(MediaConfig, S3BackendWithoutCredentialsNamesWhatIsMissing) {
  Env env({{"PM_MEDIA_BACKEND", "s3"}, {"PM_S3_ENDPOINT", "http://127.0.0.1:9000"}, {"PM_S3_BUCKET", "b"}});
  auto c = Config::load();
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().detail.find("PM_S3_ACCESS_KEY"), std::string::npos) << c.error().detail;
  EXPECT_NE(c.error().detail.find("PM_S3_SECRET_KEY"), std::string::npos) << c.error().detail;
  EXPECT_EQ(c.error().detail.find("PM_S3_BUCKET"), std::string::npos) << "the bucket is set";
}

TEST(MediaConfig, S3EndpointMustBeASchemeAndHost) {
  Env env(kS3);
  for (const char* bad : {"s3.amazonaws.com", "ftp://host", "https://host/path", "https://user@host", "https://",
                          "http://minio.internal:9000"}) {  // plain http only to loopback
    setenv("PM_S3_ENDPOINT", bad, 1);
    auto c = Config::load();
    EXPECT_FALSE(c.has_value()) << bad;
  }
  setenv("PM_S3_ENDPOINT", "http://127.0.0.1:9000/", 1);
  EXPECT_TRUE(Config::load().has_value()) << "a trailing slash is harmless";
}

TEST(MediaConfig, PathStyleMustBeABoolean) {
  Env env({{"PM_S3_PATH_STYLE", "maybe"}});
  EXPECT_FALSE(Config::load().has_value());
}

TEST(MediaConfig, SecretsAreNotShownAsDefaults) {
  Env env({{"PM_S3_SECRET_KEY", "super-secret-value"}, {"PM_MEDIA_URL_SECRET", "another-secret"}});
  auto text = Config::describe();
  EXPECT_NE(text.find("PM_S3_SECRET_KEY"), std::string::npos);
  EXPECT_EQ(text.find("super-secret-value"), std::string::npos) << "describe() shows defaults, not the environment";
  EXPECT_EQ(text.find("another-secret"), std::string::npos);
}
