#include "auth/known_device.hpp"

#include <charconv>

#include "core/crypto.hpp"

namespace pm::auth::known_device {

namespace {

constexpr std::size_t kDeviceIdBytes = 16;

std::string tag(const crypto::BlindIndex& mac, const Account& account, std::string_view device_id,
                std::string_view expiry) {
  return mac(account.user_id.str() + ":" + account.email_index + ":" + std::to_string(account.credentials_version) +
             ":" + std::string(device_id) + ":" + std::string(expiry));
}

bool is_hex(std::string_view s) { return s.find_first_not_of("0123456789abcdef") == std::string_view::npos; }

}  // namespace

std::string new_device_id() { return crypto::random_hex(kDeviceIdBytes); }

std::string issue(const crypto::BlindIndex& mac, const Account& account, const std::string& device_id,
                  Clock::time_point now) {
  const auto expiry =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>((now + kLifetime).time_since_epoch()).count());
  return device_id + "." + expiry + "." + tag(mac, account, device_id, expiry);
}

std::optional<std::string> device_of(const crypto::BlindIndex& mac, const Account& account, std::string_view token,
                                     Clock::time_point now) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto device_id = token.substr(0, first);
  const auto expiry = token.substr(first + 1, second - first - 1);
  const auto given_tag = token.substr(second + 1);
  if (device_id.size() != 2 * kDeviceIdBytes || !is_hex(device_id)) return std::nullopt;
  long long expires = 0;
  const auto [end, error] = std::from_chars(expiry.data(), expiry.data() + expiry.size(), expires);
  if (error != std::errc() || end != expiry.data() + expiry.size()) return std::nullopt;
  if (!crypto::same_secret(given_tag, tag(mac, account, device_id, expiry))) return std::nullopt;
  if (expires <= std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()) return std::nullopt;
  return std::string(device_id);
}

}  // namespace pm::auth::known_device
