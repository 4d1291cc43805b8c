#pragma once
// Base64url (RFC 4648 §5) without padding, as JWS compact serialisation uses it (RFC 7515 §2).
// Decoding is strict: a token is attacker-controlled, and a lenient decoder would let many byte
// strings decode to the same value (malleable signatures) or silently skip junk.

#include <optional>
#include <string>
#include <string_view>

namespace pm {

// The decoded bytes, or nullopt for anything but canonical unpadded base64url: a character outside
// [A-Za-z0-9_-] (padding '=' included), a length of 4n+1, or non-zero unused bits in the last character.
std::optional<std::string> base64url_decode(std::string_view text);

// Unpadded base64url of `bytes`.
std::string base64url_encode(std::string_view bytes);

}  // namespace pm
