// The local-directory backend on a real temporary folder.

#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "storage/local_store.hpp"
#include "support/temp_dir.hpp"

using namespace pm;
namespace fs = std::filesystem;

namespace {
std::chrono::seconds unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch());
}
}  // namespace

TEST(LocalStore, PutGetExistsRemove) {
  test::TempDir dir("pm-media");
  storage::LocalObjectStore store(dir.path, "secret");
  const std::string key = "users/u1/p1-display.jpg";
  // Split literals: a hex escape would otherwise swallow the letters after it.
  const std::string bytes = std::string(
      "\xff\xd8\xff\x00"
      "binary\x00"
      "data",
      15);

  EXPECT_EQ(store.exists(key).value(), false);
  ASSERT_TRUE(store.put(key, bytes, "image/jpeg").has_value());
  EXPECT_EQ(store.exists(key).value(), true);
  EXPECT_EQ(store.get(key).value(), bytes);
  auto object = store.read(key);
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ(object->content_type, "image/jpeg");
  EXPECT_TRUE(fs::is_regular_file(dir.path / key)) << "the object is a plain file under the root";

  ASSERT_TRUE(store.put(key, "v2", "image/png").has_value()) << "overwrite";
  EXPECT_EQ(store.get(key).value(), "v2");
  EXPECT_EQ(store.read(key)->content_type, "image/png");

  ASSERT_TRUE(store.remove(key).has_value());
  EXPECT_EQ(store.exists(key).value(), false);
  ASSERT_TRUE(store.remove(key).has_value()) << "removing twice is fine";
  ASSERT_TRUE(store.remove("never/was/there.jpg").has_value());
}

TEST(LocalStore, MissingObjectIs404MediaNotFound) {
  test::TempDir dir("pm-media");
  storage::LocalObjectStore store(dir.path, "secret");
  for (const char* key : {"users/nobody/x.jpg", "x"}) {
    auto r = store.get(key);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().status, 404);
    EXPECT_EQ(r.error().type, "media-not-found");
  }
  ASSERT_TRUE(store.put("a", "file", "text/plain").has_value());
  EXPECT_EQ(store.get("a/b").error().status, 404) << "a prefix that is a file";
  EXPECT_EQ(store.exists("a/b").value(), false);
  EXPECT_EQ(store.get("users").error().status, 404) << "a folder is not an object";
}

TEST(LocalStore, WritesLeaveNoTemporaryFilesAndOnlyDotNamedSidecars) {
  test::TempDir dir("pm-media");
  storage::LocalObjectStore store(dir.path, "secret");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store.put("users/u/p.jpg", std::string(1000 + i, 'x'), "image/jpeg"));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path / "users/u")) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".p.jpg.type", "p.jpg"}));
  EXPECT_EQ(store.get("users/u/p.jpg")->size(), 1004u);
}

TEST(LocalStore, InvalidKeysAreRefusedByEveryOperation) {
  test::TempDir dir("pm-media");
  storage::LocalObjectStore store(dir.path / "root", "secret");
  for (const char* key : {"../escape.jpg", "/abs.jpg", "a/../../b", "users/u/.p.jpg.type"}) {
    EXPECT_EQ(store.put(key, "x", "text/plain").error().type, "invalid-media-key") << key;
    EXPECT_EQ(store.get(key).error().type, "invalid-media-key") << key;
    EXPECT_EQ(store.exists(key).error().type, "invalid-media-key") << key;
    EXPECT_EQ(store.remove(key).error().type, "invalid-media-key") << key;
  }
  EXPECT_FALSE(fs::exists(dir.path / "escape.jpg"));
}

TEST(LocalStore, UnwritableRootIs503StorageUnavailable) {
  test::TempDir dir("pm-media");
  fs::create_directories(dir.path);
  // A file where the root folder should be: no permission trick, so it also fails as root.
  storage::LocalObjectStore store(dir.path / "file", "secret");
  ASSERT_TRUE(storage::LocalObjectStore(dir.path, "s").put("file", "x", "text/plain"));
  auto r = store.put("users/u/p.jpg", "x", "image/jpeg");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status, 503);
  EXPECT_EQ(r.error().type, "storage-unavailable");
}

TEST(MediaUrl, SignedUrlVerifiesUntilItExpires) {
  test::TempDir dir("pm-media");
  storage::LocalObjectStore store(dir.path, "secret");
  auto url = store.signed_url("users/u/p.jpg", std::chrono::seconds(300));
  ASSERT_TRUE(url.starts_with("/media/users/u/p.jpg?expires=")) << url;
  auto expires = url.substr(url.find("expires=") + 8, url.find("&sig=") - url.find("expires=") - 8);
  auto sig = url.substr(url.find("&sig=") + 5);
  EXPECT_EQ(sig.size(), 64u);

  auto ok = store.url_signer().verify("users/u/p.jpg", expires, sig);
  ASSERT_TRUE(ok.has_value()) << ok.error().detail;
  EXPECT_GT(ok->count(), 295);
  EXPECT_LE(ok->count(), 300);

  auto later = Clock::now() + std::chrono::seconds(301);
  auto expired = store.url_signer().verify("users/u/p.jpg", expires, sig, later);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().status, 403);
  EXPECT_EQ(expired.error().type, "media-url-expired");
}

TEST(MediaUrl, ForgedOrAlteredUrlsAreRefused) {
  storage::MediaUrlSigner signer("secret");
  auto expires = (unix_now() + std::chrono::seconds(60)).count();
  auto sig = signer.signature("users/u/p.jpg", expires);
  auto e = std::to_string(expires);

  auto refused = [&](std::string_view key, std::string_view exp, std::string_view s) {
    auto r = signer.verify(key, exp, s);
    if (r.has_value()) return std::string("accepted");
    return r.error().status == 403 ? r.error().type : "status " + std::to_string(r.error().status);
  };
  EXPECT_EQ(refused("users/u/other.jpg", e, sig), "media-url-invalid") << "another key";
  EXPECT_EQ(refused("users/u/p.jpg", std::to_string(expires + 3600), sig), "media-url-invalid") << "a later expiry";
  EXPECT_EQ(refused("users/u/p.jpg", e, storage::MediaUrlSigner("other secret").signature("users/u/p.jpg", expires)),
            "media-url-invalid")
      << "another secret";
  std::string flipped = sig;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  EXPECT_EQ(refused("users/u/p.jpg", e, flipped), "media-url-invalid");
  EXPECT_EQ(refused("users/u/p.jpg", e, sig.substr(0, 63)), "media-url-invalid") << "short";
  EXPECT_EQ(refused("users/u/p.jpg", e, ""), "media-url-invalid") << "missing";
  EXPECT_EQ(refused("users/u/p.jpg", "", sig), "media-url-invalid");
  EXPECT_EQ(refused("users/u/p.jpg", e + "x", sig), "media-url-invalid");
  EXPECT_EQ(refused("users/u/p.jpg", "-5", sig), "media-url-invalid");
  EXPECT_EQ(refused("users/u/p.jpg", e, std::string(64, 'z')), "media-url-invalid") << "not hex";
  EXPECT_EQ(refused("users/u/p.jpg", e, sig), "accepted");

  // An expired URL with a valid signature says so; a forged one never learns about expiry.
  auto old = (unix_now() - std::chrono::seconds(1)).count();
  EXPECT_EQ(refused("users/u/p.jpg", std::to_string(old), signer.signature("users/u/p.jpg", old)), "media-url-expired");
}

TEST(MediaUrl, WithoutASecretEachSignerHasItsOwn) {
  storage::MediaUrlSigner a(""), b("");
  auto expires = (unix_now() + std::chrono::seconds(60)).count();
  EXPECT_NE(a.signature("k", expires), b.signature("k", expires)) << "random secrets, so URLs die with the process";
  EXPECT_TRUE(a.verify("k", std::to_string(expires), a.signature("k", expires)).has_value());
}

TEST(LocalStore, FactoryMakesTheLocalBackendFromConfiguration) {
  test::TempDir dir("pm-media");
  auto config = Config::load().value();
  config.media_dir = dir.path.string();
  config.media_url_secret = "factory-secret";
  auto store = storage::make_object_store(config);
  auto* local = dynamic_cast<storage::LocalObjectStore*>(store.get());
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->root(), dir.path);
  ASSERT_TRUE(store->put("a/b.jpg", "x", "image/jpeg"));
  EXPECT_TRUE(fs::exists(dir.path / "a/b.jpg"));

  config.media_dir.clear();
  EXPECT_THROW(storage::make_object_store(config), std::invalid_argument);
}
