#include <gtest/gtest.h>

#include "core/base64url.hpp"

using namespace pm;

TEST(Base64url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    auto encoded = base64url_encode(bytes);
    EXPECT_EQ(encoded.find('='), std::string::npos);
    auto decoded = base64url_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37 + 250));
  }
}

TEST(Base64url, KnownVectors) {
  // RFC 4648 §10, unpadded, and the two characters that differ from base64.
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
  EXPECT_EQ(base64url_decode(""), std::string());
}

TEST(Base64url, RefusesPaddingAndForeignCharacters) {
  for (const char* bad : {"Zm9vYg==", "Zm9vYg=", "Zm9v=", "+/8", "Zm9v Yg", "Zm9v\nYg", "Zm9vYg."})
    EXPECT_FALSE(base64url_decode(bad).has_value()) << bad;
  EXPECT_FALSE(base64url_decode(std::string_view("Zm9v\0Yg", 7)).has_value());
  EXPECT_FALSE(base64url_decode("\xc3\xa9\xc3\xa9").has_value());
}

TEST(Base64url, RefusesImpossibleLengthsAndNonCanonicalBits) {
  EXPECT_FALSE(base64url_decode("Z").has_value());
  EXPECT_FALSE(base64url_decode("Zm9vY").has_value());
  // "Zm9vYg" is canonical for "foob"; "Zm9vYh" has the same bytes plus non-zero unused bits.
  EXPECT_TRUE(base64url_decode("Zm9vYg").has_value());
  EXPECT_FALSE(base64url_decode("Zm9vYh").has_value());
  EXPECT_FALSE(base64url_decode("Zm9vYmF").has_value());  // canonical: Zm9vYmE
}
