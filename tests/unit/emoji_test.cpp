// What a reaction may be (messaging::valid_emoji): emoji, with the pieces that join or modify them,
// and not the letters of any script.
#include <gtest/gtest.h>

#include "messaging/model.hpp"

using pm::messaging::valid_emoji;

TEST(Emoji, PictographsWithTheirModifiersAndJoinersAreEmoji) {
  EXPECT_TRUE(valid_emoji("\u2764\ufe0f"));                              // heart, emoji presentation
  EXPECT_TRUE(valid_emoji("\U0001F44D\U0001F3FD"));                      // thumbs up, skin tone
  EXPECT_TRUE(valid_emoji("\U0001F469\u200D\U0001F4BB"));                // woman technologist (ZWJ)
  EXPECT_TRUE(valid_emoji("\U0001F1E9\U0001F1EA"));                      // a flag: two regional indicators
  EXPECT_TRUE(valid_emoji("#\ufe0f\u20e3"));                             // a keycap
  EXPECT_TRUE(valid_emoji("\U0001F3F4\U000E0067\U000E0062\U000E007F"));  // a tag sequence's pieces
}

TEST(Emoji, LettersDigitsAndEmptyTextAreNot) {
  EXPECT_FALSE(valid_emoji(""));
  EXPECT_FALSE(valid_emoji("lol"));
  EXPECT_FALSE(valid_emoji("#"));
  EXPECT_FALSE(valid_emoji("12"));
  EXPECT_FALSE(valid_emoji("\u041f\u0420\u0418\u0412\u0415\u0422"));                // Cyrillic
  EXPECT_FALSE(valid_emoji("\u4f60\u597d"));                                        // Chinese
  EXPECT_FALSE(valid_emoji("\u00e9"));                                              // a Latin letter
  EXPECT_FALSE(valid_emoji("\U0001F600 "));                                         // a space after it
  EXPECT_FALSE(valid_emoji(std::string(5, '\xF0')));                                // cut short
  EXPECT_FALSE(valid_emoji("\U0001F600\U0001F600\U0001F600\U0001F600\U0001F600"));  // over 16 bytes
}
