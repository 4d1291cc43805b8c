// Per-client rate limits count an IPv6 client by its /64: one subscriber holds a whole /64.

#include <gtest/gtest.h>

#include "cache/rate_limit.hpp"

using pm::cache::client_key;

TEST(ClientKey, OneIpv6SlashSixtyFourIsOneClient) {
  EXPECT_EQ(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
  EXPECT_EQ(client_key("2001:db8:1:2::1"), "2001:0db8:0001:0002::/64");
  EXPECT_NE(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:3::1")) << "the next /64 is another client";
}

TEST(ClientKey, Ipv4IsCountedPerAddressMappedOrNot) {
  EXPECT_EQ(client_key("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(client_key("::ffff:203.0.113.7"), "203.0.113.7");
  EXPECT_NE(client_key("203.0.113.7"), client_key("203.0.113.8"));
}

TEST(ClientKey, SomethingThatIsNotAnAddressIsUsedAsGiven) { EXPECT_EQ(client_key("unknown"), "unknown"); }
