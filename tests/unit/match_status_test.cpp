// matching::MatchStatus: one name per status, the names migrations/0004 allows in matches.status.

#include <gtest/gtest.h>

#include "matching/match_status.hpp"

using pm::matching::MatchStatus;

TEST(MatchStatus, EachStatusHasTheNameTheDatabaseUsesAndReadsBack) {
  const std::pair<MatchStatus, std::string_view> expected[] = {{MatchStatus::pending, "pending"},
                                                               {MatchStatus::active, "active"},
                                                               {MatchStatus::rejected, "rejected"},
                                                               {MatchStatus::expired, "expired"}};
  for (const auto& [status, name] : expected) {
    EXPECT_EQ(pm::matching::to_string(status), name);
    EXPECT_EQ(pm::matching::match_status_from(name), status) << name;
  }
}

TEST(MatchStatus, AnythingElseIsNotAStatus) {
  for (const char* name : {"", "Active", "current", "all", "pending ", "liked"})
    EXPECT_FALSE(pm::matching::match_status_from(name).has_value()) << name;
}
