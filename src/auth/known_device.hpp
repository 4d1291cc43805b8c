#pragma once
// The token a device gets when it signs in to an account with the password, and gives back with
// its next sign-in to that account: its sign-in attempts are then counted on their own, never
// against the account's ceiling. Guesses from anywhere else can lock out every unknown client but
// not a device where the owner signed in before (docs/security.md).
//
// "<device id>.<expiry, Unix seconds>.<tag>": the tag is the server's keyed MAC of the three and
// the account's address index, so a client can neither make one up nor carry one to another
// account. Nothing is stored: the token is checked by recomputing its tag.

#include <optional>
#include <string>
#include <string_view>

#include "core/field_cipher.hpp"
#include "core/time.hpp"

namespace pm::auth::known_device {

inline constexpr std::chrono::days kLifetime{365};

std::string new_device_id();
// A token for `device_id` on the account with `email_index`, valid for kLifetime from `now`.
std::string issue(const crypto::BlindIndex& mac, const std::string& email_index, const std::string& device_id,
                  Clock::time_point now);
// The device id of a genuine, unexpired token for this account; nullopt for anything else (a
// forged, altered, expired or malformed token, or one of another account).
std::optional<std::string> device_of(const crypto::BlindIndex& mac, const std::string& email_index,
                                     std::string_view token, Clock::time_point now);

}  // namespace pm::auth::known_device
