#pragma once
// Field-level encryption of PII (the seed: "PII encrypted with field-level encryption").
// XChaCha20-Poly1305 (libsodium), stored as "pm1.<key id>.<base64url(nonce || ciphertext)>".
// The key id in every value lets keys rotate: new writes use the active key, old values stay
// readable while their key is configured, and `perfectmatch keys rotate` re-encrypts them.
// Each value is bound to its place (e.g. "users.email:<user id>") so it cannot be moved to
// another row or column undetected.

#include <array>
#include <map>
#include <string>
#include <string_view>

#include "core/problem.hpp"

namespace pm::crypto {

using Key = std::array<unsigned char, 32>;

struct Keyring {
  std::map<std::string, Key> keys;
  std::string active;  // the id new values are encrypted with
};

// "k1:<64 hex>,k2:<64 hex>"; `active` must be one of them (empty: the last listed).
Result<Keyring> parse_keyring(std::string_view spec, std::string_view active);
// One 32-byte key as 64 hex characters.
Result<Key> parse_key(std::string_view hex, std::string_view name);

class FieldCipher {
 public:
  explicit FieldCipher(Keyring keyring);

  std::string encrypt(std::string_view plaintext, std::string_view context) const;
  // Fails (500-class: data or keys are wrong, not the client) when the key is unknown or the value was tampered with.
  Result<std::string> decrypt(std::string_view stored, std::string_view context) const;
  const std::string& active_key_id() const { return keyring_.active; }

 private:
  Keyring keyring_;
};

// Keyed HMAC-SHA256 of a normalised value, hex: equality look-ups on encrypted columns without
// storing the value (a "blind index"). Without the key, the index says nothing about the value.
class BlindIndex {
 public:
  explicit BlindIndex(Key key) : key_(key) {}
  std::string operator()(std::string_view value) const;
  // A MAC of its own for `purpose`, its key a keyed BLAKE2b of the purpose under this one: no
  // index of this one (an HMAC-SHA256, of any value) is that key or says anything of it.
  BlindIndex derive(std::string_view purpose) const;

 private:
  Key key_;
};

}  // namespace pm::crypto
