// Per-client rate limits count an IPv6 client by its /64: one subscriber holds a whole /64.

#include <memory>

#include <gtest/gtest.h>

#include "core/client_address.hpp"
#include "http/connection_slots.hpp"

using pm::client_key;

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

TEST(ClientKey, AnIpv4ClientIsOneAddressWhicheverWayItIsSpelled) {
  EXPECT_EQ(pm::plain_address("::ffff:127.0.0.1"), "127.0.0.1") << "as a socket listening on :: reports it";
  EXPECT_EQ(pm::plain_address("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(pm::plain_address("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(pm::plain_address("unknown"), "unknown");
}

// The per-client connection cap counts as the per-client limits do: an IPv6 client by its /64
// (counted per address, one host with a /64 could hold every socket), IPv4 by its address.
TEST(ClientKey, TheConnectionCapCountsAnIpv6ClientByItsSlashSixtyFour) {
  auto slots = std::make_shared<pm::http::ConnectionSlots>(2);
  auto a = slots->take("2001:db8:1:2::1");
  auto b = slots->take("2001:db8:1:2::2");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(slots->take("2001:db8:1:2:ffff::9")) << "a third address of the same /64";
  EXPECT_TRUE(slots->take("2001:db8:1:3::1")) << "the next /64 is another client";
  auto c = slots->take("203.0.113.7");
  auto d = slots->take("::ffff:203.0.113.7");
  ASSERT_TRUE(c && d);
  EXPECT_FALSE(slots->take("203.0.113.7")) << "mapped or not, one IPv4 client";
  a.reset();
  EXPECT_TRUE(slots->take("2001:db8:1:2::3")) << "a closed connection frees its place";
}
