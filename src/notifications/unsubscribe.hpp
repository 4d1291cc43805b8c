#pragma once
// One-click unsubscribe (RFC 8058) from notification mails. Each mail carries
//   List-Unsubscribe: <PM_PUBLIC_URL/api/v1/notifications/unsubscribe?token=...>
//   List-Unsubscribe-Post: List-Unsubscribe=One-Click
// and a mail program POSTs to that URL, with no session: the token alone says whose setting and
// which. It is "<user id>.<settings key>.<MAC>", the MAC an HMAC-SHA256 under the blind-index key
// (PM_BLIND_INDEX_KEY), of a text no email address can be (so it never equals an address's index).
// A token does not expire: an old mail's link still works, and all it can do is turn one
// notification type off for one user. Pure code.

#include <optional>
#include <string>
#include <string_view>

#include "core/field_cipher.hpp"
#include "core/id.hpp"
#include "notifications/model.hpp"

namespace pm::notifications {

struct Unsubscription {
  UserId user_id;
  Type type;
};

class UnsubscribeTokens {
 public:
  explicit UnsubscribeTokens(const crypto::BlindIndex& mac) : mac_(mac) {}
  std::string make(const UserId& user_id, Type type) const;
  // Whose setting and which, or nullopt for a malformed or forged token.
  std::optional<Unsubscription> read(std::string_view token) const;

 private:
  const crypto::BlindIndex& mac_;
};

}  // namespace pm::notifications
