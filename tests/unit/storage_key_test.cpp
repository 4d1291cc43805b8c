// Media keys can never leave the store's folder or bucket prefix.

#include <gtest/gtest.h>

#include "storage/object_store.hpp"

using namespace pm;

TEST(MediaKey, AcceptsTheKeysServicesUse) {
  for (const char* key : {"users/6f1c7a4e-8a43-4d6e-9f0e-2b1d3c4e5f60/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-display.jpg",
                          "a", "a/b/c.txt", "x_y-z.1.2", "file.with..dots"})
    EXPECT_TRUE(storage::validate_key(key).has_value()) << key;
}

TEST(MediaKey, RefusesKeysThatCouldEscapeOrHide) {
  for (const char* key : {"", "/etc/passwd", "../x", "a/../../x", "a/./b", "..", ".", "a//b", "a/", ".hidden",
                          "a/.b.type", "a\\b", "a b", "a%2e%2e", "ü.jpg", "a/b?c", "a\nb", "a:b"}) {
    auto r = storage::validate_key(key);
    ASSERT_FALSE(r.has_value()) << key;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().type, "invalid-media-key");
  }
  EXPECT_FALSE(storage::validate_key(std::string(513, 'a')).has_value());
  EXPECT_TRUE(storage::validate_key(std::string(512, 'a')).has_value());
  EXPECT_FALSE(storage::validate_key(std::string_view("a\0b", 3)).has_value()) << "NUL bytes";
}
