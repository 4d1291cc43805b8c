#pragma once
// The token a device gets when it signs in to an account with the password, and gives back with
// its next sign-in to that account: its sign-in attempts are then counted on their own, never
// against the account's ceiling nor its address's budget. Guesses from anywhere else can lock out
// every unknown client but not a device where the owner signed in before (docs/security.md).
//
// "<device id>.<expiry, Unix seconds>.<tag>": the tag is the server's keyed MAC of the two, the
// account's id, its address (index) and its credentials_version, so a client can neither make one
// up nor carry one to another account, and every token ends with the credentials it was earned
// with: a new address, and a new password (a change, a reset), "sign out everywhere" or a
// provider's takeover, which move credentials_version on. Nothing is stored: the token is checked
// by recomputing its tag. So a holder of the password can collect tokens in any number, but each
// is worth less than the password it took, and none outlives it.

#include <optional>
#include <string>
#include <string_view>

#include "core/field_cipher.hpp"
#include "core/id.hpp"
#include "core/time.hpp"

namespace pm::auth::known_device {

inline constexpr std::chrono::days kLifetime{365};

// The account a token is for, as it stands.
struct Account {
  UserId user_id;
  std::string email_index;
  long long credentials_version = 0;
};

std::string new_device_id();
// A token for `device_id` on `account`, valid for kLifetime from `now`. `mac` is a key of its own
// (BlindIndex::derive), not one that also indexes addresses.
std::string issue(const crypto::BlindIndex& mac, const Account& account, const std::string& device_id,
                  Clock::time_point now);
// The device id of a genuine, unexpired token for the account as it stands; nullopt for anything
// else (a forged, altered, expired or malformed token, one of another account or of credentials
// since changed).
std::optional<std::string> device_of(const crypto::BlindIndex& mac, const Account& account, std::string_view token,
                                     Clock::time_point now);

}  // namespace pm::auth::known_device
