#include "core/field_cipher.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include "core/crypto.hpp"

namespace pm::crypto {

namespace {

constexpr std::string_view kVersion = "pm1";

Problem key_problem(std::string detail) { return Problem("configuration", std::move(detail)); }

std::string b64url(const unsigned char* data, std::size_t n) {
  std::string out(sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.pop_back();  // the terminating NUL
  return out;
}

bool from_b64url(std::string_view text, std::string& out) {
  out.resize(text.size());
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return false;
  out.resize(len);
  return true;
}

}  // namespace

Result<Key> parse_key(std::string_view hex, std::string_view name) {
  Key key{};
  std::size_t len = 0;
  if (hex.size() != 64 || sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &len, nullptr) != 0 ||
      len != key.size())
    return std::unexpected(key_problem(fmt::format("{} must be 64 hex characters (32 bytes)", name)));
  return key;
}

Result<Keyring> parse_keyring(std::string_view spec, std::string_view active) {
  Keyring ring;
  std::string last;
  while (!spec.empty()) {
    auto comma = spec.find(',');
    auto item = spec.substr(0, comma);
    spec.remove_prefix(comma == std::string_view::npos ? spec.size() : comma + 1);
    auto colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return std::unexpected(key_problem("PM_PII_KEYS must look like id:hex,id:hex"));
    std::string id(item.substr(0, colon));
    if (id.find('.') != std::string::npos) return std::unexpected(key_problem("a key id may not contain '.'"));
    ring.keys[id] = PM_TRY(parse_key(item.substr(colon + 1), "each key of PM_PII_KEYS"));
    last = id;
  }
  if (ring.keys.empty())
    return std::unexpected(key_problem("PM_PII_KEYS is not set (./pm stack up generates keys into var/stack.env)"));
  ring.active = active.empty() ? last : std::string(active);
  if (!ring.keys.count(ring.active))
    return std::unexpected(
        key_problem(fmt::format("PM_PII_ACTIVE_KEY names key '{}', which PM_PII_KEYS does not have", ring.active)));
  return ring;
}

FieldCipher::FieldCipher(Keyring keyring) : keyring_(std::move(keyring)) { init(); }

std::string FieldCipher::encrypt(std::string_view plaintext, std::string_view context) const {
  const Key& key = keyring_.keys.at(keyring_.active);
  std::string buf(
      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES,
      '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(buf.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
                                             reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                                             reinterpret_cast<const unsigned char*>(context.data()), context.size(),
                                             nullptr, nonce, key.data());
  return fmt::format("{}.{}.{}", kVersion, keyring_.active,
                     b64url(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + clen));
}

Result<std::string> FieldCipher::decrypt(std::string_view stored, std::string_view context) const {
  auto first = stored.find('.');
  auto second = stored.find('.', first == std::string_view::npos ? 0 : first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos || stored.substr(0, first) != kVersion)
    return std::unexpected(key_problem("an encrypted field is not in the pm1 format"));
  std::string kid(stored.substr(first + 1, second - first - 1));
  auto it = keyring_.keys.find(kid);
  if (it == keyring_.keys.end())
    return std::unexpected(
        key_problem(fmt::format("a field is encrypted with key '{}', which is not configured", kid)));
  std::string raw;
  if (!from_b64url(stored.substr(second + 1), raw) ||
      raw.size() < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
    return std::unexpected(key_problem("an encrypted field is damaged"));
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw.data());
  const auto* cipher = nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::size_t clen = raw.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string plain(clen - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &plen, nullptr, cipher,
                                                 clen, reinterpret_cast<const unsigned char*>(context.data()),
                                                 context.size(), nonce, it->second.data()) != 0)
    return std::unexpected(key_problem("an encrypted field failed authentication (tampered, moved or wrong key)"));
  plain.resize(plen);
  return plain;
}

std::string BlindIndex::operator()(std::string_view value) const {
  return crypto::hex(crypto::hmac_sha256({reinterpret_cast<const char*>(key_.data()), key_.size()}, value));
}

BlindIndex BlindIndex::derive(std::string_view purpose) const {
  // Keyed BLAKE2b, not this index's HMAC-SHA256: were it the HMAC of a label, the derived key would
  // be the index of that label, which anyone could have computed by sending it as an address.
  Key key{};
  crypto_generichash(key.data(), key.size(), reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size(),
                     key_.data(), key_.size());
  return BlindIndex(key);
}

}  // namespace pm::crypto
