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

}  // namespace

TEST(KnownDevice, ATokenNamesItsDeviceForItsAccountOnly) {
  const auto mac = mac_with(7);
  const auto now = Clock::now();
  const auto id = device::new_device_id();
  EXPECT_NE(id, device::new_device_id()) << "each new device gets its own id";
  const auto token = device::issue(mac, "index-of-ana", id, now);
  EXPECT_EQ(device::device_of(mac, "index-of-ana", token, now), id);
  EXPECT_EQ(device::device_of(mac, "index-of-ana", token, now + device::kLifetime - std::chrono::hours(1)), id);

  EXPECT_FALSE(device::device_of(mac, "index-of-ben", token, now)) << "carried to another account";
  EXPECT_FALSE(device::device_of(mac_with(8), "index-of-ana", token, now)) << "another server key";
  EXPECT_FALSE(device::device_of(mac, "index-of-ana", token, now + device::kLifetime)) << "expired";
}

TEST(KnownDevice, AlteredOrMadeUpTokensAreNotKnown) {
  const auto mac = mac_with(7);
  const auto now = Clock::now();
  const auto token = device::issue(mac, "index-of-ana", device::new_device_id(), now);
  for (std::size_t at : {std::size_t{0}, token.find('.') + 1, token.size() - 1}) {
    auto altered = token;
    altered[at] = altered[at] == '1' ? '2' : '1';
    EXPECT_FALSE(device::device_of(mac, "index-of-ana", altered, now)) << "changed at " << at << ": " << altered;
  }
  // A later expiry with the old tag: the tag covers it.
  const auto first = token.find('.'), second = token.find('.', first + 1);
  const auto later = token.substr(0, first + 1) + "99999999999" + token.substr(second);
  EXPECT_FALSE(device::device_of(mac, "index-of-ana", later, now));
  for (const std::string& made_up : std::vector<std::string>{"", ".", "..", "abc", token.substr(0, second),
                                                             token + ".x", "zz" + token.substr(2), token.substr(1)})
    EXPECT_FALSE(device::device_of(mac, "index-of-ana", made_up, now)) << made_up;
}
