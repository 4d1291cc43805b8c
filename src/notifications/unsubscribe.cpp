#include "notifications/unsubscribe.hpp"

#include <openssl/crypto.h>

namespace pm::notifications {

namespace {

constexpr Type kAllTypes[] = {Type::match_new, Type::message_new, Type::like_received, Type::subscription_changed};

// A newline starts it: no email address (what the key otherwise indexes) contains one.
std::string signed_text(std::string_view user_id, std::string_view key) {
  return "\nunsubscribe\n" + std::string(user_id) + "\n" + std::string(key);
}

}  // namespace

std::string UnsubscribeTokens::make(const UserId& user_id, Type type) const {
  const auto key = setting_key(type);
  return user_id.str() + "." + std::string(key) + "." + mac_(signed_text(user_id.str(), key));
}

std::optional<Unsubscription> UnsubscribeTokens::read(std::string_view token) const {
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto user_id = token.substr(0, first);
  const auto key = token.substr(first + 1, second - first - 1);
  const auto mac = token.substr(second + 1);
  const auto user = UserId::parse(user_id);
  if (!user) return std::nullopt;
  std::optional<Type> type;
  for (auto t : kAllTypes)
    if (setting_key(t) == key) type = t;
  if (!type) return std::nullopt;
  const auto expected = mac_(signed_text(user_id, key));
  if (mac.size() != expected.size() || CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) != 0) return std::nullopt;
  return Unsubscription{.user_id = *user, .type = *type};
}

}  // namespace pm::notifications
