#include <cstdlib>

#include <gtest/gtest.h>

#include "core/time.hpp"

using namespace std::chrono;

TEST(Time, Iso8601IsUtcWhateverTheTimeZone) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", "Asia/Kolkata", 1);  // +05:30: a local-time bug would show
  tzset();
  auto t = sys_days{year{2026} / 11 / 25} + hours{17} + minutes{3} + seconds{4} + milliseconds{123};
  EXPECT_EQ(pm::iso8601(t), "2026-11-25T17:03:04.123Z");
  if (old)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
}

TEST(Time, ParsesRealDatesOnly) {
  EXPECT_TRUE(pm::parse_date("2000-02-29"));
  EXPECT_FALSE(pm::parse_date("2001-02-29"));
  EXPECT_FALSE(pm::parse_date("2001-13-01"));
  EXPECT_FALSE(pm::parse_date("01-01-2001"));
  EXPECT_FALSE(pm::parse_date("2001-1-01"));
  EXPECT_EQ(pm::format_date(*pm::parse_date("1990-12-10")), "1990-12-10");
}
