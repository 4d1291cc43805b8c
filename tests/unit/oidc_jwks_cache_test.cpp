// Provider key sets over time: lazy loading, key rotation, the refetch rate limit, expiry,
// failures, and fetching over HTTP from a real (in-process) server.

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "support/jwks_server.hpp"
#include "support/oidc_fixture.hpp"

using namespace pm;
using namespace pm::test::oidc;
using auth::oidc::JwksPolicy;
using auth::oidc::Verifier;
using std::chrono::milliseconds;

namespace {

class OidcJwksCache : public OidcTest {
 protected:
  Verifier url_verifier(const std::string& url, JwksPolicy policy) const {
    auto p = provider();
    p.jwks = url;
    return Verifier({p}, std::chrono::seconds(60), policy);
  }
};

bool accepted(const Result<auth::oidc::IdentityClaims>& r) { return r.has_value(); }

bool unavailable_503(const Result<auth::oidc::IdentityClaims>& r) {
  return !r && r.error().status == 503 && r.error().type == "oauth-provider-unavailable";
}

TEST_F(OidcJwksCache, LoadsLazilyOnFirstUse) {
  auto v = verifier();
  EXPECT_EQ(v.jwks_fetch_count("test"), 0u);
  EXPECT_TRUE(accepted(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
  EXPECT_TRUE(accepted(v.verify("test", sign_token(ec(), good_claims()), std::nullopt)));
  EXPECT_EQ(v.jwks_fetch_count("test"), 1u);
}

TEST_F(OidcJwksCache, KeyRotationUnknownKidRefetches) {
  auto v = verifier({.min_refetch_interval = milliseconds(0)});
  ASSERT_TRUE(accepted(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
  auto rotated = TestKey::rsa("rsa-2");
  auto token = sign_token(rotated, good_claims());
  EXPECT_TRUE(refused(v.verify("test", token, std::nullopt), "unknown key id"));
  EXPECT_EQ(v.jwks_fetch_count("test"), 2u) << "an unknown kid triggers one refetch";

  write_file(jwks_path_, jwks({&rsa(), &rotated}).dump());  // the provider publishes its new key
  auto r = v.verify("test", token, std::nullopt);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(v.jwks_fetch_count("test"), 3u);
  EXPECT_TRUE(accepted(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
  EXPECT_EQ(v.jwks_fetch_count("test"), 3u) << "known kids are served from the cache";
}

TEST_F(OidcJwksCache, BogusKidFloodIsRateLimited) {
  auto v = verifier({.min_refetch_interval = std::chrono::hours(1)});
  ASSERT_TRUE(accepted(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto bogus = sign_token(rsa(), good_claims(), {{"kid", "bogus-" + std::to_string(t * 100 + i)}});
        EXPECT_TRUE(refused(v.verify("test", bogus, std::nullopt), "unknown key id"));
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(v.jwks_fetch_count("test"), 1u) << "no refetch within the minimum interval";
}

TEST_F(OidcJwksCache, RefetchAllowedAgainAfterTheInterval) {
  auto v = verifier({.min_refetch_interval = milliseconds(50)});
  ASSERT_TRUE(accepted(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
  auto rotated = TestKey::ec_p256("ec-2");
  write_file(jwks_path_, jwks({&rsa(), &rotated}).dump());
  std::this_thread::sleep_for(milliseconds(120));
  auto r = v.verify("test", sign_token(rotated, good_claims()), std::nullopt);
  EXPECT_TRUE(r.has_value()) << r.error().detail;
}

TEST_F(OidcJwksCache, ExpiredKeySetIsReloaded) {
  auto v = verifier({.cache_ttl = milliseconds(50), .min_refetch_interval = milliseconds(0)});
  ASSERT_TRUE(accepted(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
  write_file(jwks_path_, jwks({&ec()}).dump());  // the provider retired rsa-1
  std::this_thread::sleep_for(milliseconds(120));
  EXPECT_TRUE(refused(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt), "unknown key id"));
  EXPECT_TRUE(accepted(v.verify("test", sign_token(ec(), good_claims()), std::nullopt)));
}

TEST_F(OidcJwksCache, FailedRefreshKeepsTheKeysWeHave) {
  auto v = verifier({.cache_ttl = milliseconds(10), .min_refetch_interval = milliseconds(0)});
  ASSERT_TRUE(accepted(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
  write_file(jwks_path_, "<html>down for maintenance</html>");
  std::this_thread::sleep_for(milliseconds(30));
  auto r = v.verify("test", sign_token(rsa(), good_claims()), std::nullopt);
  EXPECT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_GE(v.jwks_fetch_count("test"), 2u);
}

TEST_F(OidcJwksCache, NoKeySetIs503AndRetriesAreRateLimited) {
  std::filesystem::remove(jwks_path_);
  auto v = verifier({.min_refetch_interval = std::chrono::hours(1)});
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(unavailable_503(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
  EXPECT_EQ(v.jwks_fetch_count("test"), 1u);
  // A hostile token is still refused as such before any key is needed.
  EXPECT_TRUE(refused(v.verify("test", "garbage", std::nullopt), "segments"));
}

TEST_F(OidcJwksCache, FetchesOverHttp) {
  test::JwksServer server;
  server.set_body(jwks({&rsa(), &ec()}).dump());
  auto v = url_verifier(server.url(), {.min_refetch_interval = milliseconds(0)});
  auto r = v.verify("test", sign_token(ec(), good_claims()), std::nullopt);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_TRUE(accepted(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
  EXPECT_EQ(server.requests(), 1u);

  // Rotation over HTTP.
  auto rotated = TestKey::rsa("rsa-3");
  server.set_body(jwks({&rsa(), &ec(), &rotated}).dump());
  r = v.verify("test", sign_token(rotated, good_claims()), std::nullopt);
  EXPECT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(server.requests(), 2u);
}

TEST_F(OidcJwksCache, HttpErrorsAre503) {
  test::JwksServer server;
  server.set_status(500);
  auto v = url_verifier(server.url(), {.min_refetch_interval = milliseconds(0)});
  EXPECT_TRUE(unavailable_503(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
  server.set_status(200);
  server.set_body("not json");
  EXPECT_TRUE(unavailable_503(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
  server.set_body(jwks({&rsa()}).dump());
  EXPECT_TRUE(accepted(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt))) << "recovers";
}

TEST_F(OidcJwksCache, HttpTimeoutAndSizeLimit) {
  test::JwksServer server;
  server.set_body(jwks({&rsa()}).dump());
  server.set_delay(milliseconds(3000));
  auto v = url_verifier(server.url(), {.min_refetch_interval = milliseconds(0), .fetch_timeout = milliseconds(200)});
  // The server would answer with valid keys after 3 s: a 503 shows the 200 ms timeout cut the fetch.
  EXPECT_TRUE(unavailable_503(v.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));

  server.set_delay(milliseconds(0));
  server.set_body(std::string(4096, ' ') + jwks({&rsa()}).dump());
  auto small = url_verifier(server.url(), {.max_document_bytes = 2048});
  EXPECT_TRUE(unavailable_503(small.verify("test", sign_token(rsa(), good_claims()), std::nullopt)));
}

TEST_F(OidcJwksCache, ConcurrentFirstUseFetchesOnce) {
  test::JwksServer server;
  server.set_body(jwks({&rsa(), &ec()}).dump());
  server.set_delay(milliseconds(100));  // so the threads really overlap
  auto v = url_verifier(server.url(), {});
  auto token = sign_token(rsa(), good_claims());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      if (v.verify("test", token, std::nullopt)) ++ok;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(server.requests(), 1u);
}

}  // namespace
