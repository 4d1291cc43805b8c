// GET /media/{key*} on a real server: the local backend's signed URLs, as a browser would use them.

#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "storage/local_store.hpp"
#include "support/test_server.hpp"

using namespace pm;
namespace fs = std::filesystem;

namespace {

struct MediaServer {
  fs::path base = fs::path(::testing::TempDir()) / ("pm-media-routes-" + crypto::random_hex(6));
  fs::path dir = base / "media";
  test::TestDatabase db;
  // The server's own local store (App registers its route) and this one share the folder and secret.
  storage::LocalObjectStore store{dir, "route-test-secret"};
  test::TestServer server{config()};

  Config config() {
    auto c = test::test_config(db);
    c.media_dir = dir.string();
    c.media_url_secret = "route-test-secret";
    return c;
  }

  ~MediaServer() {
    server.stop();
    std::error_code ec;
    fs::remove_all(base, ec);
  }
};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
}

}  // namespace

TEST(MediaRoutes, SignedUrlServesTheObjectWithItsTypeAndPrivateCaching) {
  MediaServer m;
  std::string jpeg("\xff\xd8\xff\xe0 not really a jpeg \x00\x01", 24);
  ASSERT_TRUE(m.store.put("users/u1/p1-display.jpg", jpeg, "image/jpeg"));

  auto url = m.store.signed_url("users/u1/p1-display.jpg", std::chrono::seconds(600));
  auto res = m.server.request("GET", url);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, jpeg);
  EXPECT_EQ(res.header("Content-Type"), "image/jpeg");
  EXPECT_EQ(res.header("X-Content-Type-Options"), "nosniff");
  auto cache = res.header("Cache-Control");
  ASSERT_TRUE(cache.starts_with("private, max-age=")) << cache;
  int max_age = std::stoi(cache.substr(17));
  EXPECT_GT(max_age, 590);
  EXPECT_LE(max_age, 600) << "never cached longer than the URL is valid";
}

TEST(MediaRoutes, ExpiredUrlIs403) {
  MediaServer m;
  ASSERT_TRUE(m.store.put("users/u1/p.jpg", "x", "image/jpeg"));
  auto past = unix_now() - 5;
  auto res = m.server.request("GET", m.store.url_signer().url("users/u1/p.jpg", past));
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(res.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(res.json()["type"], "/problems/media-url-expired");
}

TEST(MediaRoutes, ForgedOrAlteredUrlsAre403) {
  MediaServer m;
  ASSERT_TRUE(m.store.put("users/u1/a.jpg", "object-a-bytes", "image/jpeg"));
  ASSERT_TRUE(m.store.put("users/u2/b.jpg", "object-b-bytes", "image/jpeg"));
  auto url = m.store.signed_url("users/u1/a.jpg", std::chrono::seconds(600));
  auto query = url.substr(url.find('?'));

  std::vector<std::string> forged = {
      "/media/users/u2/b.jpg" + query,  // another object, same signature
      "/media/users/u1/a.jpg",          // no signature at all
      "/media/users/u1/a.jpg?expires=99999999999&sig=" + std::string(64, '0'),
      url.substr(0, url.size() - 1) + (url.back() == '0' ? "1" : "0"),  // one digit changed
      storage::MediaUrlSigner("another-secret").url("users/u1/a.jpg", unix_now() + 600),
  };
  for (const auto& target : forged) {
    auto res = m.server.request("GET", target);
    EXPECT_EQ(res.status, 403) << target;
    EXPECT_EQ(res.json()["type"], "/problems/media-url-invalid") << target;
    EXPECT_EQ(res.body.find("object-a-bytes"), std::string::npos);
  }
}

TEST(MediaRoutes, MissingObjectWithAValidUrlIs404) {
  MediaServer m;
  auto res = m.server.request("GET", m.store.signed_url("users/u1/gone.jpg", std::chrono::seconds(60)));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.json()["type"], "/problems/media-not-found");
}

TEST(MediaRoutes, PathTraversalNeverReachesTheFileSystem) {
  MediaServer m;
  // A file beside the media folder that a traversal would reach.
  ASSERT_TRUE(storage::LocalObjectStore(m.base, "x").put("secret-beside.txt", "secret", "text/plain"));
  for (std::string key : {"../secret-beside.txt", "%2e%2e/secret-beside.txt", "users/..%2f..%2fsecret-beside.txt"}) {
    // Even a correctly signed URL for such a key is refused: keys are validated after decoding.
    auto decoded = key;
    for (auto [from, to] : {std::pair{"%2e", "."}, {"%2f", "/"}})
      for (auto pos = decoded.find(from); pos != std::string::npos; pos = decoded.find(from))
        decoded.replace(pos, 3, to);
    auto expires = unix_now() + 60;
    auto target = "/media/" + key + "?expires=" + std::to_string(expires) +
                  "&sig=" + m.store.url_signer().signature(decoded, expires);
    auto res = m.server.request("GET", target);
    EXPECT_EQ(res.status, 400) << target;
    EXPECT_EQ(res.json()["type"], "/problems/invalid-media-key") << target;
    EXPECT_EQ(res.body.find("secret"), std::string::npos) << target;
  }
}
