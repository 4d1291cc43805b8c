#pragma once
// Passwords: Argon2id hashes (libsodium crypto_pwhash_str; the parameters live in the encoded
// string, so they can be raised later and old hashes upgraded at the next sign-in) and the
// policy a new password must meet.

#include <string>
#include <string_view>

#include "core/problem.hpp"

namespace pm::auth {

struct PasswordParams {
  unsigned long long opslimit = 2;
  std::size_t memlimit_bytes = 19456 * 1024;
};

class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordParams params);
  std::string hash(std::string_view password) const;
  bool verify(std::string_view encoded, std::string_view password) const;
  // True when `encoded` was made with other parameters than the current ones.
  bool needs_rehash(std::string_view encoded) const;
  // Spends the time of one verification on nothing, so an unknown account costs what a known one does.
  void burn() const;

 private:
  PasswordParams params_;
  std::string dummy_;  // a hash to verify against when there is no account
};

// Minimum 10 characters, at most 128 bytes, not one of the most common passwords, not mostly one
// repeated character, and not the user's own email address. 400 "weak-password" otherwise, naming
// `field`, the body's key the password came in.
Result<void> check_password_policy(std::string_view password, std::string_view email,
                                   std::string_view field = "password");

}  // namespace pm::auth
