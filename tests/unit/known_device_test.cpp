// The known-device token (auth/known_device.hpp): only the server makes one, for one account, for a year.

#include <gtest/gtest.h>

#include "auth/known_device.hpp"

using namespace pm;
namespace device = pm::auth::known_device;

namespace {

crypto::BlindIndex mac_with(unsigned char fill) {
  crypto::Key key{};
  key.fill(fill);
  return crypto::BlindIndex(key);
}

const device::Account ana{UserId("6f1d0c2e-8a51-4c3b-9d7e-2b4a6c8e0f13"), "index-of-ana", 4};

}  // namespace

TEST(KnownDevice, ATokenNamesItsDeviceForItsAccountAsItStandsOnly) {
  const auto mac = mac_with(7);
  const auto now = Clock::now();
  const auto id = device::new_device_id();
  EXPECT_NE(id, device::new_device_id()) << "each new device gets its own id";
  const auto token = device::issue(mac, ana, id, now);
  EXPECT_EQ(device::device_of(mac, ana, token, now), id);
  EXPECT_EQ(device::device_of(mac, ana, token, now + device::kLifetime - std::chrono::hours(1)), id);

  const device::Account ben{UserId("0b7c1f3a-2d4e-4f60-8a9b-c1d2e3f40516"), "index-of-ben", ana.credentials_version};
  EXPECT_FALSE(device::device_of(mac, ben, token, now)) << "carried to another account";
  EXPECT_FALSE(device::device_of(mac, {ana.user_id, ana.email_index, ana.credentials_version + 1}, token, now))
      << "the credentials changed since (a reset, a new password, sign out everywhere)";
  EXPECT_FALSE(device::device_of(mac, {ana.user_id, "index-of-her-new-address", ana.credentials_version}, token, now))
      << "the account moved to another address since";
  EXPECT_FALSE(device::device_of(mac_with(8), ana, token, now)) << "another server key";
  EXPECT_FALSE(device::device_of(mac_with(7).derive("another purpose"), ana, token, now)) << "another purpose's key";
  EXPECT_FALSE(device::device_of(mac, ana, token, now + device::kLifetime)) << "expired";
}

TEST(KnownDevice, AlteredOrMadeUpTokensAreNotKnown) {
  const auto mac = mac_with(7);
  const auto now = Clock::now();
  const auto token = device::issue(mac, ana, device::new_device_id(), now);
  for (std::size_t at : {std::size_t{0}, token.find('.') + 1, token.size() - 1}) {
    auto altered = token;
    altered[at] = altered[at] == '1' ? '2' : '1';
    EXPECT_FALSE(device::device_of(mac, ana, altered, now)) << "changed at " << at << ": " << altered;
  }
  // A later expiry with the old tag: the tag covers it.
  const auto first = token.find('.'), second = token.find('.', first + 1);
  const auto later = token.substr(0, first + 1) + "99999999999" + token.substr(second);
  EXPECT_FALSE(device::device_of(mac, ana, later, now));
  for (const std::string& made_up : std::vector<std::string>{"", ".", "..", "abc", token.substr(0, second),
                                                             token + ".x", "zz" + token.substr(2), token.substr(1)})
    EXPECT_FALSE(device::device_of(mac, ana, made_up, now)) << made_up;
}

// The tokens' key is derived from the address index's (BlindIndex::derive): the same for the same
// purpose on every node, never tagging a value as the index does, and never the index of anything
// (an address sent to sign in is indexed, and the index of a label could be the derived key).
TEST(KnownDevice, TheTokensKeyIsItsOwn) {
  const auto index = mac_with(7);
  const auto tokens = index.derive("known-device token");
  EXPECT_EQ(tokens("x"), mac_with(7).derive("known-device token")("x"));
  EXPECT_NE(tokens("x"), index("x"));
  EXPECT_NE(tokens("x"), index.derive("another purpose")("x"));
  auto keyed_by_index_of = [&](const std::string& label) {
    const auto hex = index(label);
    crypto::Key key{};
    for (std::size_t i = 0; i < key.size(); ++i)
      key[i] = static_cast<unsigned char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    return crypto::BlindIndex(key);
  };
  for (const std::string label : {"known-device token", "pm derived key:known-device token"})
    EXPECT_NE(tokens("x"), keyed_by_index_of(label)("x")) << label;
}
