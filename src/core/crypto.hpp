#pragma once
// Small cryptographic helpers on libsodium: hashes, random tokens and ids.

#include <optional>
#include <string>
#include <string_view>

namespace pm::crypto {

// Initialises libsodium once; every function below calls it, so callers need not.
void init();

std::string sha256_hex(std::string_view data);
// HMAC-SHA256 with a key of any length: the 32-byte MAC, raw.
std::string hmac_sha256(std::string_view key, std::string_view data);
// Lower-case hex of raw bytes.
std::string hex(std::string_view bytes);
// Standard base64 with padding (RFC 4648 §4), e.g. for HTTP Basic credentials.
std::string base64(std::string_view bytes);
// Authenticated encryption (XSalsa20-Poly1305, a random nonce in front) under a 32-byte key, for
// a short-lived secret kept in a store that must not be able to read it; `open` is nullopt when
// the key is wrong or the box was altered.
std::string seal(std::string_view key, std::string_view plaintext);
std::optional<std::string> open(std::string_view key, std::string_view sealed);
// Whether two secrets (MACs, tokens) are equal, in a time that does not say where they differ.
bool same_secret(std::string_view a, std::string_view b);
// `bytes` random bytes from the OS CSPRNG, hex-encoded (2 * bytes characters).
std::string random_hex(std::size_t bytes);
// A random (version 4) UUID in canonical text form.
std::string uuid_v4();
// A time-ordered (version 7, RFC 9562) UUID in canonical text form: milliseconds since the epoch,
// a counter that keeps the ids of this process strictly increasing, then random bits. For the
// keys of large tables written in bulk: each insert lands on the right-hand page of the index
// instead of a random one.
std::string uuid_v7();
// A UUID in canonical text form (any case); and that form in lower case, so "ABC..." and
// "abc..." name one row.
bool is_uuid(std::string_view text);
std::string canonical_uuid(std::string_view text);
// A name-based (version 5, SHA-1) UUID: the same name always gives the same id.
std::string uuid_v5(std::string_view name);

}  // namespace pm::crypto
