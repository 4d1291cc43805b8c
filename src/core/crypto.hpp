#pragma once
// Small cryptographic helpers on libsodium: hashes, random tokens and ids.

#include <string>
#include <string_view>

namespace pm::crypto {

// Initialises libsodium once; every function below calls it, so callers need not.
void init();

std::string sha256_hex(std::string_view data);
// `bytes` random bytes from the OS CSPRNG, hex-encoded (2 * bytes characters).
std::string random_hex(std::size_t bytes);
// A random (version 4) UUID in canonical text form.
std::string uuid_v4();
// A name-based (version 5, SHA-1) UUID: the same name always gives the same id.
std::string uuid_v5(std::string_view name);

}  // namespace pm::crypto
