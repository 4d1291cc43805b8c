// JsonWriter writes the text dump_json would write for the same tree: the batch generation's
// documents are written with it, and the API reads them back as JSON.

#include <gtest/gtest.h>

#include <limits>

#include "core/json.hpp"

using pm::Json;
using pm::JsonWriter;

TEST(JsonWriter, WritesWhatDumpJsonWritesForTheSameMembers) {
  JsonWriter w;
  // Members in the tree's (sorted) order, so the texts can be compared byte for byte.
  w.begin_object()
      .member("a", "quote \" backslash \\ slash / tab \t newline \n bell \x07 del \x7f")
      .key("b")
      .begin_array()
      .value(1.5)
      .value(87.0)
      .value(-0.1)
      .value(1e-7)
      .value(0)
      .value(-12)
      .value(true)
      .value(false)
      .null()
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .end_array()
      .member("c", std::vector<std::string>{"Zoë", "日本", "🙂", ""})
      .key("d")
      .begin_object()
      .member("e", 3.141592653589793)
      .member("f", 100.0)
      .end_object()
      .end_object();
  Json tree = {{"a", "quote \" backslash \\ slash / tab \t newline \n bell \x07 del \x7f"},
               {"b", {1.5, 87.0, -0.1, 1e-7, 0, -12, true, false, nullptr, Json::object(), Json::array()}},
               {"c", {"Zoë", "日本", "🙂", ""}},
               {"d", {{"e", 3.141592653589793}, {"f", 100.0}}}};
  EXPECT_EQ(w.text(), pm::dump_json(tree));
}

TEST(JsonWriter, ReplacesInvalidUtf8AndWritesNonFiniteNumbersAsNull) {
  JsonWriter w;
  // A stray continuation byte, a sequence cut short at the end, an overlong "/", a surrogate.
  w.begin_array()
      .value(std::string("a\x80z"))
      .value(std::string("cut \xE6\x97"))
      .value(std::string("\xC0\xAF"))
      .value(std::string("\xED\xA0\x80"))
      .value(std::numeric_limits<double>::quiet_NaN())
      .value(std::numeric_limits<double>::infinity())
      .end_array();
  auto parsed = pm::parse_json(w.text());
  ASSERT_TRUE(parsed.has_value()) << w.text();
  const auto& a = *parsed;
  EXPECT_EQ(a[0], "a\xEF\xBF\xBDz");
  EXPECT_EQ(a[1].get<std::string>().substr(0, 4), "cut ");
  for (int i = 1; i <= 3; ++i) {
    const auto s = a[i].get<std::string>();
    EXPECT_NE(s.find("\xEF\xBF\xBD"), std::string::npos) << i;
    EXPECT_EQ(s.find('\xC0'), std::string::npos) << i;
    EXPECT_EQ(s.find('\xED'), std::string::npos) << i;
  }
  EXPECT_TRUE(a[4].is_null());
  EXPECT_TRUE(a[5].is_null());
}
