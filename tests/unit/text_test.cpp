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
