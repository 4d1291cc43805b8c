#include <gtest/gtest.h>

#include "http/router.hpp"

using namespace pm::http;

namespace {
Handler named(std::string name) {
  return [name](Request&) { return text_response(Status::ok, name); };
}
Request dummy;
}  // namespace

TEST(Router, MatchesLiteralAndParameterSegments) {
  Router r;
  r.add(Method::get, "/api/v1/users/{user_id}", named("user"));
  r.add(Method::post, "/api/v1/users/{user_id}/block", named("block"));
  r.add(Method::get, "/api/v1/me", named("me"));

  auto m = r.match(Method::get, "/api/v1/users/abc-123");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ((*m.handler)(dummy).body(), "user");
  EXPECT_EQ(m.route, "/api/v1/users/{user_id}");
  EXPECT_EQ(m.params.at("user_id"), "abc-123");

  auto b = r.match(Method::post, "/api/v1/users/u1/block");
  ASSERT_NE(b.handler, nullptr);
  EXPECT_EQ((*b.handler)(dummy).body(), "block");
  EXPECT_EQ(b.params.at("user_id"), "u1");

  EXPECT_NE(r.match(Method::get, "/api/v1/me/").handler, nullptr) << "a trailing slash is the same path";
}

TEST(Router, UnknownPathIsNotFoundWithAFixedRouteLabel) {
  Router r;
  r.add(Method::get, "/healthz", named("h"));
  auto m = r.match(Method::get, "/secret/path/with/ids");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.status, Status::not_found);
  EXPECT_EQ(m.route, "(unmatched)") << "raw paths must not become metric labels";
  EXPECT_EQ(r.match(Method::get, "/healthz/extra").status, Status::not_found);
}

TEST(Router, KnownPathWithOtherMethodIsMethodNotAllowed) {
  Router r;
  r.add(Method::get, "/api/v1/me", named("get"));
  r.add(Method::patch, "/api/v1/me", named("patch"));
  auto m = r.match(Method::delete_, "/api/v1/me");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_EQ(m.status, Status::method_not_allowed);
  EXPECT_EQ(m.allow, "GET, PATCH");
}

TEST(Router, DecodesPercentEncodedParameters) {
  Router r;
  r.add(Method::get, "/files/{name}", named("f"));
  EXPECT_EQ(r.match(Method::get, "/files/a%20b%2Fc").params.at("name"), "a b/c");
  EXPECT_EQ(r.match(Method::get, "/files/bad%zz").params.at("name"), "bad%zz");
}

TEST(Router, RejectsADuplicateRoute) {
  Router r;
  r.add(Method::get, "/a/{x}", named("1"));
  EXPECT_THROW(r.add(Method::get, "/a/{x}", named("2")), std::logic_error);
}

TEST(Router, TrailingCatchAllTakesTheRestOfThePath) {
  Router r;
  r.add(Method::get, "/media/{key*}", named("media"));
  r.add(Method::get, "/media/x/{id}/info", named("info"));

  auto m = r.match(Method::get, "/media/users/u1/p1-display.jpg");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ((*m.handler)(dummy).body(), "media");
  EXPECT_EQ(m.route, "/media/{key*}") << "the metric label is the pattern, never the key";
  EXPECT_EQ(m.params.at("key"), "users/u1/p1-display.jpg");

  EXPECT_EQ(r.match(Method::get, "/media/one").params.at("key"), "one");
  EXPECT_EQ(r.match(Method::get, "/media/a%20b/c").params.at("key"), "a b/c") << "each segment is decoded";
  EXPECT_EQ(r.match(Method::get, "/media/users%2Fu1%2Fp1-display.jpg").params.at("key"), "users/u1/p1-display.jpg")
      << "a key percent-encoded as one segment (as OpenAPI clients send a path parameter) is the same key";
  EXPECT_EQ(r.match(Method::get, "/media").status, Status::not_found) << "the catch-all needs at least one segment";
  EXPECT_EQ(r.match(Method::post, "/media/a/b").status, Status::method_not_allowed);

  auto info = r.match(Method::get, "/media/x/7/info");
  ASSERT_NE(info.handler, nullptr);
  EXPECT_EQ((*info.handler)(dummy).body(), "media") << "routes are tried in the order they were added";
}

TEST(Router, CatchAllMustBeTheLastSegment) {
  Router r;
  EXPECT_THROW(r.add(Method::get, "/media/{key*}/meta", named("x")), std::logic_error);
}
