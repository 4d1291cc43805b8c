// core/id.hpp: ids of different kinds never mix, outside text becomes an id only through parse,
// and an id is its canonical text to libpqxx and JSON.

#include <gtest/gtest.h>

#include <type_traits>
#include <unordered_set>

#include "core/id.hpp"

using pm::ConversationId;
using pm::MatchId;
using pm::MessageId;
using pm::UserId;

// No implicit conversion from text, between kinds, or back to text.
static_assert(!std::is_convertible_v<std::string, UserId>);
static_assert(!std::is_convertible_v<const char*, MatchId>);
static_assert(!std::is_convertible_v<UserId, MatchId>);
static_assert(!std::is_convertible_v<MatchId, ConversationId>);
static_assert(!std::is_convertible_v<ConversationId, MessageId>);
static_assert(!std::is_convertible_v<MessageId, std::string>);
static_assert(!std::is_constructible_v<UserId, MatchId>);
static_assert(std::is_constructible_v<UserId, std::string>);  // explicitly, from a trusted value

TEST(Id, ParsesAUuidInAnyCaseToItsCanonicalForm) {
  auto id = MatchId::parse("0F8FAD5B-D9CB-469F-A165-70867728950E");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->str(), "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(id, MatchId::parse("0f8fad5b-d9cb-469f-a165-70867728950e"));
}

TEST(Id, AnythingElseIsNoId) {
  for (const char* text : {"", "42", "not-a-uuid", "0f8fad5b-d9cb-469f-a165-70867728950",
                           "0f8fad5b-d9cb-469f-a165-70867728950e ", "../0f8fad5b-d9cb-469f-a165-70867728950e"})
    EXPECT_FALSE(UserId::parse(text).has_value()) << text;
}

TEST(Id, ComparesAndHashesByItsText) {
  const UserId a("0f8fad5b-d9cb-469f-a165-70867728950e"), b("7c9e6679-7425-40de-944b-e07fc1f90ae7");
  EXPECT_EQ(a, UserId(a.str()));
  EXPECT_NE(a, b);
  EXPECT_LT(a, b);
  std::unordered_set<UserId> set{a, b, UserId(a.str())};
  EXPECT_EQ(set.size(), 2u);
}

TEST(Id, IsItsTextToJsonAndLibpqxx) {
  const ConversationId id("0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(pm::Json({{"conversation_id", id}}).dump(),
            R"({"conversation_id":"0f8fad5b-d9cb-469f-a165-70867728950e"})");
  EXPECT_EQ(pqxx::to_string(id), id.str());
  ConversationId read;
  pqxx::string_traits<ConversationId>::from_string("7c9e6679-7425-40de-944b-e07fc1f90ae7", read);
  EXPECT_EQ(read.str(), "7c9e6679-7425-40de-944b-e07fc1f90ae7");
}
