// parse_json refuses JSON nested deeper than kMaxJsonDepth: valid but hostile documents (100,000
// nested arrays fit in a 200 KB body) never reach code that walks them recursively.

#include <gtest/gtest.h>

#include "core/json.hpp"
#include "core/text.hpp"

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

// A key named twice in one object was kept silently, the last one winning: anything that keeps the
// first (a gateway, a client's own check) read the same body otherwise. Refused, at any depth; the
// same key in different objects is fine.
TEST(JsonDuplicateKeys, AnObjectThatNamesAKeyTwiceIsAMalformedJsonProblem) {
  for (const char* text : {R"({"bio": "a", "bio": "b"})", R"({"a": {"x": 1, "y": 2, "x": 3}})",
                           R"([{"k": 1}, {"k": 2, "k": 2}])", R"({"b\u0069o": 1, "bio": 2})"}) {
    auto parsed = pm::parse_json(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().status, 400);
    EXPECT_EQ(parsed.error().type, "malformed-json");
    EXPECT_NE(parsed.error().detail.find("twice"), std::string::npos) << parsed.error().detail;
  }
  auto fine = pm::parse_json(R"({"k": 1, "inner": {"k": 2}, "list": [{"k": 3}, {"k": 4}]})");
  ASSERT_TRUE(fine.has_value()) << fine.error().detail;
  EXPECT_EQ((*fine)["list"][1]["k"], 4);
  // A long key is named in part, and a character cut there is not left broken.
  auto long_key =
      pm::parse_json("{\"" + std::string(39, 'x') + "\xc3\xa9" + "\": 1, \"" + std::string(39, 'x') + "\xc3\xa9\": 2}");
  ASSERT_FALSE(long_key.has_value());
  EXPECT_TRUE(pm::is_utf8(long_key.error().detail)) << long_key.error().detail;
  EXPECT_LT(long_key.error().detail.size(), 100u);
}
