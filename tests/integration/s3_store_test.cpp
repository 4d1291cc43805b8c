// The S3 backend against a real S3-protocol server (s3rver, see tests/support/s3_server.hpp),
// in path style and in virtual-host style. s3rver checks the access key and the presigned URL's
// expiry but not the V4 signature bytes; those are checked against AWS's published examples in
// tests/unit/sigv4_test.cpp.

#include <curl/curl.h>

#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/s3_store.hpp"
#include "support/s3_server.hpp"

using namespace pm;

namespace {

struct Fetched {
  long status = 0;
  std::string body;
  std::string content_type;
};

// A plain GET with no credentials, as a browser given the URL would do.
Fetched fetch(const std::string& url) {
  Fetched out;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* d, std::size_t s, std::size_t n, void* u) {
        static_cast<std::string*>(u)->append(d, s * n);
        return s * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
    char* type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    if (type) out.content_type = type;
  }
  curl_easy_cleanup(curl);
  return out;
}

storage::S3Options options(const test::S3Server& s3, bool path_style) {
  return {.endpoint = path_style ? s3.path_style_endpoint() : s3.virtual_host_endpoint(),
          .region = "us-east-1",
          .bucket = s3.bucket(),
          .access_key = test::S3Server::kAccessKey,
          .secret_key = test::S3Server::kSecretKey,
          .path_style = path_style,
          .connect_timeout = Millis(2000),
          .timeout = Millis(10000)};
}

std::string binary(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>((i * 131 + 7) % 256);
  return out;
}

// Every operation, then the presigned URL fetched by an anonymous client.
void round_trip(storage::ObjectStore& store, const test::S3Server& s3) {
  const std::string key = "users/6f1c7a4e-8a43-4d6e-9f0e-2b1d3c4e5f60/0b1c2d3e-display.jpg";
  auto bytes = binary(300 * 1024);

  auto before = store.exists(key);
  ASSERT_TRUE(before.has_value()) << before.error().detail << "\n" << s3.log();
  EXPECT_FALSE(*before);

  auto put = store.put(key, bytes, "image/jpeg");
  ASSERT_TRUE(put.has_value()) << put.error().detail << "\n" << s3.log();
  EXPECT_TRUE(store.exists(key).value());
  auto got = store.get(key);
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->size(), bytes.size());
  EXPECT_TRUE(*got == bytes) << "binary-safe both ways";

  auto url = store.signed_url(key, std::chrono::seconds(300));
  auto fetched = fetch(url);
  EXPECT_EQ(fetched.status, 200) << url << "\n" << fetched.body;
  EXPECT_TRUE(fetched.body == bytes);
  EXPECT_EQ(fetched.content_type, "image/jpeg") << "the type given to put";

  ASSERT_TRUE(store.put(key, "second version", "image/png").has_value()) << "overwrite";
  EXPECT_EQ(store.get(key).value(), "second version");

  ASSERT_TRUE(store.remove(key).has_value());
  EXPECT_FALSE(store.exists(key).value());
  auto gone = store.get(key);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().status, 404);
  EXPECT_EQ(gone.error().type, "media-not-found");
  EXPECT_TRUE(store.remove(key).has_value()) << "removing an absent object succeeds";
  EXPECT_EQ(fetch(url).status, 404) << "the URL of a removed object";
}

}  // namespace

TEST(S3Store, PathStyleRoundTripAgainstS3rver) {
  test::S3Server s3;
  storage::S3ObjectStore store(options(s3, true));
  EXPECT_TRUE(store.object_url("k").starts_with(s3.path_style_endpoint() + "/photos/"));
  EXPECT_EQ(store.url_origin(), s3.path_style_endpoint()) << "what the web app's CSP lets images come from";
  EXPECT_TRUE(store.signed_url("k", std::chrono::seconds(60)).starts_with(store.url_origin() + "/"));
  round_trip(store, s3);
}

TEST(S3Store, VirtualHostStyleRoundTripAgainstS3rver) {
  test::S3Server s3;
  storage::S3ObjectStore store(options(s3, false));
  EXPECT_TRUE(store.object_url("k").starts_with("http://photos.s3.localhost:")) << store.object_url("k");
  EXPECT_TRUE(store.url_origin().starts_with("http://photos.s3.localhost:")) << store.url_origin();
  EXPECT_TRUE(store.signed_url("k", std::chrono::seconds(60)).starts_with(store.url_origin() + "/"));
  round_trip(store, s3);
}

TEST(S3Store, MadeFromConfigurationByTheFactory) {
  test::S3Server s3;
  auto config = Config::load().value();
  s3.configure(config);
  auto store = storage::make_object_store(config);
  ASSERT_NE(dynamic_cast<storage::S3ObjectStore*>(store.get()), nullptr);
  ASSERT_TRUE(store->put("a/b.txt", "hello", "text/plain").has_value()) << s3.log();
  EXPECT_EQ(store->get("a/b.txt").value(), "hello");
}

TEST(S3Store, ExpiredPresignedUrlIsRefusedByTheServer) {
  test::S3Server s3;
  storage::S3ObjectStore store(options(s3, true));
  ASSERT_TRUE(store.put("users/u/p.jpg", "x", "image/jpeg").has_value());
  auto url = store.signed_url("users/u/p.jpg", std::chrono::seconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(fetch(url).status, 403);
}

TEST(S3Store, WrongCredentialsAre503NotTheClientsFault) {
  test::S3Server s3;
  auto o = options(s3, true);
  o.access_key = "NOT-A-KNOWN-KEY";
  storage::S3ObjectStore store(o);
  auto put = store.put("users/u/p.jpg", "x", "image/jpeg");
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().status, 503);
  EXPECT_EQ(put.error().type, "storage-unavailable");
  EXPECT_EQ(store.get("users/u/p.jpg").error().status, 503);
}

TEST(S3Store, MissingBucketIs503NotMediaNotFound) {
  test::S3Server s3;
  auto o = options(s3, true);
  o.bucket = "no-such-bucket";
  storage::S3ObjectStore store(o);
  EXPECT_EQ(store.put("k", "x", "text/plain").error().status, 503);
  auto got = store.get("k");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().type, "storage-unavailable") << "a misconfigured bucket is ours to fix";
}

TEST(S3Store, UnreachableServerIs503StorageUnavailable) {
  auto port = test::free_port();  // nothing listens here
  storage::S3ObjectStore store({.endpoint = fmt::format("http://127.0.0.1:{}", port),
                                .bucket = "photos",
                                .access_key = "S3RVER",
                                .secret_key = "S3RVER",
                                .path_style = true,
                                .connect_timeout = Millis(500),
                                .timeout = Millis(1000)});
  for (auto result : {store.put("k", "x", "text/plain"), store.remove("k")}) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().status, 503);
    EXPECT_EQ(result.error().type, "storage-unavailable");
  }
  EXPECT_EQ(store.get("k").error().status, 503);
  EXPECT_EQ(store.exists("k").error().status, 503);
}

TEST(S3Store, InvalidKeysNeverLeaveTheProcess) {
  test::S3Server s3;
  storage::S3ObjectStore store(options(s3, true));
  for (const char* key : {"../other-bucket/x", "/abs", "a//b", "a b"}) {
    EXPECT_EQ(store.put(key, "x", "text/plain").error().type, "invalid-media-key") << key;
    EXPECT_EQ(store.get(key).error().type, "invalid-media-key") << key;
  }
}

TEST(S3Store, ConcurrentRequestsShareTheConnectionPoolSafely) {
  test::S3Server s3;
  storage::S3ObjectStore store(options(s3, true));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto key = fmt::format("t{}/o{}", t, i);
        auto value = key + std::string(1000 * (i + 1), 'v');
        if (!store.put(key, value, "text/plain") || store.get(key).value_or("") != value) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0) << s3.log();
}
