// parse_json refuses JSON nested deeper than kMaxJsonDepth: valid but hostile documents (100,000
// nested arrays fit in a 200 KB body) never reach code that walks them recursively.

#include <gtest/gtest.h>

#include "core/json.hpp"

namespace {

std::string nested(int depth, std::string_view open = "[", std::string_view inner = "", std::string_view close = "]") {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open;
  s += inner;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

}  // namespace

TEST(JsonDepth, NestingUpToTheLimitParses) {
  auto arrays = pm::parse_json(nested(pm::kMaxJsonDepth, "[", "1"));
  ASSERT_TRUE(arrays.has_value()) << arrays.error().detail;
  auto objects = pm::parse_json(nested(pm::kMaxJsonDepth - 1, "{\"a\":", "{}", "}"));
  ASSERT_TRUE(objects.has_value()) << objects.error().detail;
}

TEST(JsonDepth, DeeperNestingIsAMalformedJsonProblem) {
  for (const auto& text :
       {nested(pm::kMaxJsonDepth + 1), nested(100000), nested(pm::kMaxJsonDepth, "{\"a\":", "[]", "}")}) {
    auto parsed = pm::parse_json(text);
    ASSERT_FALSE(parsed.has_value()) << text.size();
    EXPECT_EQ(parsed.error().status, 400);
    EXPECT_EQ(parsed.error().type, "malformed-json");
    EXPECT_NE(parsed.error().detail.find("deeper than 64 levels"), std::string::npos) << parsed.error().detail;
  }
}

TEST(JsonDepth, OrdinaryDocumentsAreUnchanged) {
  auto parsed = pm::parse_json(R"({"a": [1, {"b": [true, null, "x"]}], "c": 2.5})");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ((*parsed)["a"][1]["b"][2], "x");
  EXPECT_EQ((*parsed)["c"], 2.5);
}
