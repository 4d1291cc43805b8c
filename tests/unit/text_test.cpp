#include <gtest/gtest.h>

#include "core/text.hpp"

// Protocol text is compared without case; a person's words are never folded (UTF-8 passes through).
TEST(Text, LowersAsciiLettersAndKeepsEveryOtherByte) {
  EXPECT_EQ(pm::ascii_lower("Ana.Lopez@Example.COM"), "ana.lopez@example.com");
  EXPECT_EQ(pm::ascii_lower("ÄÖÜ Straße"), "ÄÖÜ straße");
  EXPECT_EQ(pm::ascii_lower(std::string_view("A\0B", 3)), std::string("a\0b", 3));
}

TEST(Text, ComparesWithoutAsciiCase) {
  EXPECT_TRUE(pm::ascii_iequals("application/JWT", "Application/jwt"));
  EXPECT_FALSE(pm::ascii_iequals("JWT", "JWS"));
  EXPECT_FALSE(pm::ascii_iequals("JWT", "JWT "));
  EXPECT_FALSE(pm::ascii_iequals("Ä", "ä"));  // not ASCII: not the same here
  EXPECT_TRUE(pm::ascii_istarts_with("HTTPS://example.com", "https://"));
  EXPECT_FALSE(pm::ascii_istarts_with("http:", "https://"));
  EXPECT_FALSE(pm::ascii_istarts_with("ftp://x", "https://"));
}

TEST(Text, TrimsAsciiWhiteSpaceAtBothEnds) {
  EXPECT_EQ(pm::ascii_trim(" \t\r\n Ada \v\f"), "Ada");
  EXPECT_EQ(pm::ascii_trim("   "), "");
  EXPECT_EQ(pm::ascii_trim("\u00a0Ada"), "\u00a0Ada") << "ASCII only";
}

TEST(Text, HiddenControlsAreC1AndExplicitDirectionChanges) {
  for (const char* s : {"a\u0085", "\u202eabc", "x\u2066y\u2069", "\u202a"})
    EXPECT_TRUE(pm::has_hidden_controls(s)) << s;
  for (const char* s : {"Ada", "\u05d3\u05e0\u05d4\u200f", "\U0001F469\u200d\U0001F467", "Zo\u00eb", ""})
    EXPECT_FALSE(pm::has_hidden_controls(s)) << s;
}

TEST(Text, TextShowsSomethingUnlessItIsAllSpacesAndFillers) {
  for (const char* s :
       {"", " ", "\u3164", "\u00a0\u200b\u2060", "\ufeff\u3000", "\u115f\u1160", "\u2800", "\U000E0041\U000E0100"})
    EXPECT_FALSE(pm::shows_something(s)) << s;
  for (const char* s : {"A", "\u3164a", "\u05d3", "\U0001F469", "."}) EXPECT_TRUE(pm::shows_something(s)) << s;
}
