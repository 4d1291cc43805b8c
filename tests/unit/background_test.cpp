// survive_round: a background loop's round that throws ends the round, not the process.

#include <stdexcept>

#include <gtest/gtest.h>

#include "core/background.hpp"

using namespace pm;

TEST(Background, ARoundThatThrowsIsSurvivedAndSaysSo) {
  int rounds = 0;
  EXPECT_TRUE(survive_round("test", [&] { ++rounds; }));
  EXPECT_FALSE(survive_round("test", [&] {
    ++rounds;
    throw std::runtime_error("SELECT ... the row's data");
  }));
  EXPECT_FALSE(survive_round("test", [&] { throw 42; }));
  EXPECT_EQ(rounds, 2);
}
