// Others see a distance only as a coarse step: reading it back from many places must not locate anyone.

#include <gtest/gtest.h>

#include "profiles/model.hpp"

using pm::profiles::coarse_distance_km;

TEST(CoarseDistance, IsTheSmallestStepAtLeastTheDistance) {
  EXPECT_EQ(coarse_distance_km(0.0), 2);
  EXPECT_EQ(coarse_distance_km(0.3), 2);
  EXPECT_EQ(coarse_distance_km(2.0), 2);
  EXPECT_EQ(coarse_distance_km(2.01), 5);
  EXPECT_EQ(coarse_distance_km(7.4), 10);
  EXPECT_EQ(coarse_distance_km(391.9), 500);
  EXPECT_EQ(coarse_distance_km(501), 1000);
  EXPECT_EQ(coarse_distance_km(9000.5), 9500);
}

TEST(CoarseDistance, MovingAFewHundredMetresChangesNothingMostOfTheTime) {
  int changes = 0;
  for (double km = 0; km < 50; km += 0.1) changes += coarse_distance_km(km) != coarse_distance_km(km + 0.1);
  EXPECT_LE(changes, 6) << "over 50 km only the step boundaries show";
}
