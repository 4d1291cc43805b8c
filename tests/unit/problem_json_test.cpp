#include <gtest/gtest.h>

#include "core/json.hpp"
#include "core/problem.hpp"
#include "http/message.hpp"

using namespace pm;

TEST(Problem, RendersRfc9457Members) {
  Problem p("malformed-json", "the body is not valid JSON");
  p.extensions["errors"] = Json::array({"x"});
  auto body = p.to_json("req-1");
  EXPECT_EQ(body["type"], "/problems/malformed-json");
  EXPECT_EQ(body["title"], "Bad request");
  EXPECT_EQ(body["status"], 400);
  EXPECT_EQ(body["detail"], "the body is not valid JSON");
  EXPECT_EQ(body["instance"], "urn:request:req-1");
  EXPECT_EQ(body["errors"], Json::array({"x"}));
}

TEST(Problem, ResponseHasProblemContentTypeAndStatus) {
  auto res = http::problem_response(Problem("not-ready", "redis: down"), "id");
  EXPECT_EQ(res.result_int(), 503);
  EXPECT_EQ(res[http::beast_http::field::content_type], "application/problem+json");
  EXPECT_EQ(res[http::beast_http::field::retry_after], "1");
  EXPECT_EQ(Json::parse(res.body())["detail"], "redis: down");
}

TEST(ParseJson, AcceptsValidDocuments) {
  auto v = parse_json(R"({"a": [1, 2, {"b": null}]})");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ((*v)["a"][1], 2);
}

TEST(ParseJson, MalformedInputNamesTheFault) {
  auto v = parse_json(R"({"a": 1,)");
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().status, 400);
  EXPECT_EQ(v.error().type, "malformed-json");
  EXPECT_NE(v.error().detail.find("line 1, column"), std::string::npos) << v.error().detail;
  EXPECT_EQ(v.error().detail.find("[json.exception"), std::string::npos) << "internal tag leaked";
}

TEST(ParseJson, NumberTooLargeIsA400NotAnException) {
  auto v = parse_json("[1" + std::string(400, '0') + "]");
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().type, "malformed-json");
}

TEST(ParseJson, EmptyBodyIsAnError) {
  auto v = parse_json("");
  ASSERT_FALSE(v.has_value());
  EXPECT_NE(v.error().detail.find("empty"), std::string::npos);
}

TEST(RequestJson, RequiresAJsonContentType) {
  http::Request req;
  req.raw.body() = R"({"a":1})";
  req.raw.set(http::beast_http::field::content_type, "text/plain");
  auto v = req.json();
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().status, 415);

  req.raw.set(http::beast_http::field::content_type, "application/merge-patch+json; charset=utf-8");
  EXPECT_TRUE(req.json().has_value());
}
