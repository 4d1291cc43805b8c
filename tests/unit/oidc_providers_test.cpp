// PM_OAUTH_PROVIDERS: the providers file, and a Verifier built from the configuration.

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "support/oidc_fixture.hpp"

using namespace pm;
using namespace pm::test::oidc;
using auth::oidc::load_providers;

namespace {

std::string write_providers(const std::string& text) {
  auto path = temp_path("providers") + ".json";
  write_file(path, text);
  return path;
}

std::string error_of(const std::string& text) {
  auto path = write_providers(text);
  auto r = load_providers(path);
  std::filesystem::remove(path);
  EXPECT_FALSE(r.has_value()) << text;
  return r ? std::string() : r.error().detail;
}

TEST(OidcProviders, LoadsTheFile) {
  auto path = write_providers(R"([
    {"name": "google", "issuer": "https://accounts.google.com", "audiences": ["web-id", "android-id"],
     "jwks": "https://www.googleapis.com/oauth2/v3/certs"},
    {"name": "test", "issuer": "https://issuer.test", "audiences": ["pm"], "jwks": "keys/test.json"}
  ])");
  auto r = load_providers(path);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].name, "google");
  EXPECT_EQ((*r)[0].audiences, (std::vector<std::string>{"web-id", "android-id"}));
  EXPECT_EQ((*r)[0].jwks, "https://www.googleapis.com/oauth2/v3/certs");
  // A relative file is found next to the providers file.
  EXPECT_EQ((*r)[1].jwks, (std::filesystem::path(path).parent_path() / "keys/test.json").string());
  std::filesystem::remove(path);
}

TEST(OidcProviders, RefusesBadFilesNamingTheFault) {
  EXPECT_NE(load_providers("/nonexistent/providers.json").error().detail.find("cannot be read"), std::string::npos);
  EXPECT_NE(error_of("[").find("JSON"), std::string::npos);
  EXPECT_NE(error_of("{}").find("array"), std::string::npos);
  const std::string ok = R"("issuer": "https://i", "audiences": ["a"], "jwks": "k.json")";
  EXPECT_NE(error_of(R"([{"name": "Bad Name", )" + ok + "}]").find("\"name\""), std::string::npos);
  EXPECT_NE(error_of(R"([{)" + ok + "}]").find("\"name\""), std::string::npos);
  EXPECT_NE(error_of(R"([{"name": "x", "issuer": "https://i", "audiences": [], "jwks": "k"}])").find("audiences"),
            std::string::npos);
  EXPECT_NE(error_of(R"([{"name": "x", "issuer": "https://i", "audiences": "a", "jwks": "k"}])").find("audiences"),
            std::string::npos);
  EXPECT_NE(error_of(R"([{"name": "x", "audience": ["a"], )" + ok + "}]").find("unknown member \"audience\""),
            std::string::npos);
  EXPECT_NE(error_of(R"([{"name": "x", )" + ok + R"(}, {"name": "x", )" + ok + "}]").find("twice"), std::string::npos);
  EXPECT_NE(error_of("[1]").find("provider #1"), std::string::npos);
  EXPECT_NE(error_of(R"([{"name": "x", "issuer": "accounts.example", "audiences": ["a"]}])").find("discovery"),
            std::string::npos)
      << "without jwks, the keys come from the issuer's discovery document, which needs a URL";
  EXPECT_NE(error_of(R"([{"name": "x", "issuer": "https://i", "audiences": ["a"], "jwks": ""}])").find("\"jwks\""),
            std::string::npos);
}

TEST(OidcProviders, WithoutJwksTheKeysComeFromDiscovery) {
  auto path = write_providers(R"([{"name": "google", "issuer": "https://accounts.google.com", "audiences": ["web"]}])");
  auto r = load_providers(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ((*r)[0].jwks, "") << "empty: the verifier reads the discovery document's jwks_uri";
}

TEST_F(OidcTest, VerifierFromConfig) {
  auto path = write_providers(
      Json::array({{{"name", "test"}, {"issuer", issuer}, {"audiences", {client_id}}, {"jwks", jwks_path_}}}).dump());
  Config config;
  config.oauth_providers = path;
  auto v = auth::oidc::Verifier::from_config(config);
  ASSERT_TRUE(v.has_value()) << v.error().detail;
  EXPECT_TRUE(v->has_provider("test"));
  auto r = v->verify("test", sign_token(rsa(), good_claims()), std::nullopt);
  EXPECT_TRUE(r.has_value()) << r.error().detail;

  config.oauth_providers.clear();
  auto none = auth::oidc::Verifier::from_config(config);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->verify("test", "x", std::nullopt).error().type, "unknown-oauth-provider");

  config.oauth_providers = "/nonexistent.json";
  EXPECT_FALSE(auth::oidc::Verifier::from_config(config).has_value());
  std::filesystem::remove(path);
}

TEST(OidcProviders, SettingsAreInTheConfigTable) {
  setenv("PM_OAUTH_PROVIDERS", "/etc/pm/providers.json", 1);
  setenv("PM_OAUTH_JWKS_CACHE_MS", "600000", 1);
  auto c = Config::load();
  unsetenv("PM_OAUTH_PROVIDERS");
  unsetenv("PM_OAUTH_JWKS_CACHE_MS");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->oauth_providers, "/etc/pm/providers.json");
  EXPECT_EQ(c->oauth_jwks_cache_ttl.count(), 600000);
  EXPECT_EQ(c->oauth_jwks_min_refetch.count(), 30000);
  auto text = Config::describe();
  for (const char* name : {"PM_OAUTH_PROVIDERS", "PM_OAUTH_CLOCK_SKEW_MS", "PM_OAUTH_JWKS_CACHE_MS",
                           "PM_OAUTH_JWKS_MIN_REFETCH_MS", "PM_OAUTH_JWKS_TIMEOUT_MS"})
    EXPECT_NE(text.find(name), std::string::npos) << name;
}

}  // namespace

TEST(OidcProviders, TheBrowserClientsSecretComesFromTheVariableTheFileNames) {
  const std::string base = R"("name": "x", "issuer": "https://i", "audiences": ["web"], "jwks": "k.json")";
  ::setenv("PM_TEST_PROVIDER_SECRET", "s3cret", 1);
  auto path = write_providers(R"([{)" + base +
                              R"(, "client_id": "web", "client_secret_env": "PM_TEST_PROVIDER_SECRET",
                                   "display_name": "Example"}])");
  auto r = load_providers(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ((*r)[0].client_id, "web");
  EXPECT_EQ((*r)[0].client_secret, "s3cret");
  EXPECT_EQ((*r)[0].display_name, "Example");
  EXPECT_EQ((*r)[0].scopes, "openid email profile");

  ::unsetenv("PM_TEST_PROVIDER_UNSET");
  EXPECT_NE(error_of(R"([{)" + base + R"(, "client_id": "web", "client_secret_env": "PM_TEST_PROVIDER_UNSET"}])")
                .find("PM_TEST_PROVIDER_UNSET"),
            std::string::npos)
      << "a named variable that is not set stops the start, it does not make a public client";
  EXPECT_NE(error_of(R"([{)" + base + R"(, "client_secret": "in-the-file"}])").find("unknown member \"client_secret\""),
            std::string::npos)
      << "a secret written into the file is refused";
  EXPECT_NE(error_of(R"([{)" + base + R"(, "client_id": "web", "scopes": "email"}])").find("openid"),
            std::string::npos);
}
