// The web app's files served by the API's server (http/static_files.hpp): cache headers, the
// Content-Security-Policy, traversal refused, client routes answered with index.html, and the API's
// own 404s and 405s unchanged.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "http/metrics.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"

using namespace pm::http;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

class WebApp : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("pm-webapp-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    write(base_ / "secret.txt", "outside the web folder");
    write(base_ / "dist/index.html", "<!doctype html><title>app</title>");
    write(base_ / "dist/assets/app-3F2A9C1B.js", "console.log(1)");
    write(base_ / "dist/assets/app-3F2A9C1B.css", "body{}");
    write(base_ / "dist/favicon.svg", "<svg/>");
    fs::create_symlink(base_ / "secret.txt", base_ / "dist/assets/link.txt");
    router_.add(Method::get, "/api/v1/me", [](Request&) { return text_response(Status::ok, "me"); });
    router_.add(Method::post, "/api/v1/sessions", [](Request&) { return text_response(Status::ok, "signed in"); });
    add_web_app(router_, (base_ / "dist").string());
  }
  void TearDown() override { fs::remove_all(base_); }

  Response get(std::string target, Method method = Method::get) {
    Server server(ServerOptions{.port = 0, .handler_threads = 1}, router_, metrics_);
    Request req;
    req.raw.method(method);
    req.raw.target(target);
    return server.handle(req);
  }

  fs::path base_;
  Router router_;
  Metrics metrics_;
};

std::string header(const Response& res, std::string_view name) {
  auto it = res.find(name);
  return it == res.end() ? "" : std::string(it->value());
}

}  // namespace

TEST_F(WebApp, IndexIsServedAtTheRootAndNeverCached) {
  auto res = get("/");
  EXPECT_EQ(res.result(), Status::ok);
  EXPECT_EQ(res.body(), "<!doctype html><title>app</title>");
  EXPECT_EQ(header(res, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(res, "Cache-Control"), "no-cache");
}

TEST_F(WebApp, HashedAssetsAreCachedForAYearWithTheirType) {
  auto js = get("/assets/app-3F2A9C1B.js");
  EXPECT_EQ(js.result(), Status::ok);
  EXPECT_EQ(js.body(), "console.log(1)");
  EXPECT_EQ(header(js, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(header(get("/assets/app-3F2A9C1B.css"), "Content-Type"), "text/css; charset=utf-8");
  auto icon = get("/favicon.svg");
  EXPECT_EQ(header(icon, "Content-Type"), "image/svg+xml");
  EXPECT_EQ(header(icon, "Cache-Control"), "no-cache") << "only assets/ has content-hashed names";
}

TEST_F(WebApp, EveryAnswerHasAStrictContentSecurityPolicy) {
  for (auto target : {"/", "/assets/app-3F2A9C1B.js", "/matches/123"}) {
    auto csp = header(get(target), "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << target;
    EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << target;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << target;
    EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << target;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << target;
    // Sockets to this origin only (the app's own: the web tests connect under this policy).
    EXPECT_NE(csp.find("connect-src 'self';"), std::string::npos) << target;
    EXPECT_EQ(header(get(target), "X-Content-Type-Options"), "nosniff") << target;
  }
}

// Photos from an S3 bucket come by presigned URLs on the bucket's origin, which img-src must allow
// (and only for images).
TEST(WebAppCsp, ImagesMayComeFromTheMediaStoresOriginAndNothingElseMay) {
  const auto policy = web_app_csp("https://photos.s3.eu-west-1.amazonaws.com");
  EXPECT_NE(policy.find("img-src 'self' data: blob: https://photos.s3.eu-west-1.amazonaws.com;"), std::string::npos)
      << policy;
  EXPECT_EQ(policy.find("amazonaws"), policy.rfind("amazonaws")) << "in img-src only: " << policy;
  EXPECT_NE(web_app_csp("").find("img-src 'self' data: blob:;"), std::string::npos);
}

TEST_F(WebApp, ClientRoutesGetTheIndex) {
  for (auto target : {"/signin", "/matches/0b7c1c39-7b0e-4f7e-9c53-1f1b1b3f9a10", "/chat/x?from=mail"}) {
    auto res = get(target);
    EXPECT_EQ(res.result(), Status::ok) << target;
    EXPECT_EQ(res.body(), "<!doctype html><title>app</title>") << target;
    EXPECT_EQ(header(res, "Cache-Control"), "no-cache") << target;
  }
}

TEST_F(WebApp, AMissingFileIsNotFoundNotTheIndex) {
  auto res = get("/assets/app-OLDHASH.js");
  EXPECT_EQ(res.result(), Status::not_found);
  EXPECT_EQ(header(res, "Content-Type"), "application/problem+json");
  EXPECT_EQ(get("/robots.txt").result(), Status::not_found);
}

TEST_F(WebApp, NothingOutsideTheBuiltFolderIsServed) {
  for (auto target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                      "/assets/%2E%2E/%2E%2E/secret.txt", "/..%2fsecret.txt", "/assets\\..\\..\\secret.txt", "/.hidden",
                      "/assets/link.txt", "//etc/passwd/../../secret.txt"}) {
    auto res = get(target);
    EXPECT_NE(res.body(), "outside the web folder") << target;
    EXPECT_EQ(res.result(), Status::not_found) << target;
  }
}

TEST_F(WebApp, TheApisOwnAnswersAreUnchanged) {
  auto unknown = get("/api/v1/no-such-thing");
  EXPECT_EQ(unknown.result(), Status::not_found);
  EXPECT_EQ(header(unknown, "Content-Type"), "application/problem+json");
  EXPECT_NE(unknown.body().find("there is no GET /api/v1/no-such-thing"), std::string::npos) << unknown.body();
  EXPECT_EQ(header(unknown, "Cache-Control"), "no-store");
  EXPECT_EQ(get("/api").result(), Status::not_found);
  EXPECT_EQ(header(get("/api"), "Content-Type"), "application/problem+json");
  EXPECT_EQ(get("/media/users/a/b.jpg").result(), Status::not_found);
  EXPECT_EQ(get("/api/v1/me").body(), "me");
  auto wrong_method = get("/api/v1/sessions");
  EXPECT_EQ(wrong_method.result(), Status::method_not_allowed) << "a known path with another method stays a 405";
  EXPECT_EQ(header(wrong_method, "Allow"), "POST");
  EXPECT_EQ(get("/signin", Method::post).result(), Status::not_found) << "only GET reaches the web app";
}

TEST_F(WebApp, AnUnbuiltAppSaysSo) {
  fs::remove_all(base_ / "dist");
  auto res = get("/");
  EXPECT_EQ(res.result(), Status::not_found);
  EXPECT_NE(res.body().find("not built"), std::string::npos);
}
