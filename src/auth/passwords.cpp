#include "auth/passwords.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <sodium.h>

#include "auth/common_passwords.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"
#include "core/validation.hpp"

namespace pm::auth {

PasswordHasher::PasswordHasher(PasswordParams params) : params_(params) {
  crypto::init();
  dummy_ = hash(crypto::random_hex(16));
}

std::string PasswordHasher::hash(std::string_view password) const {
  std::string out(crypto_pwhash_STRBYTES, '\0');
  if (crypto_pwhash_str(out.data(), password.data(), password.size(), params_.opslimit, params_.memlimit_bytes) != 0)
    throw std::runtime_error("out of memory while hashing a password");
  out.resize(std::strlen(out.c_str()));
  return out;
}

bool PasswordHasher::verify(std::string_view encoded, std::string_view password) const {
  std::string copy(encoded);  // crypto_pwhash_str_verify wants a NUL-terminated string
  return crypto_pwhash_str_verify(copy.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(std::string_view encoded) const {
  std::string copy(encoded);
  return crypto_pwhash_str_needs_rehash(copy.c_str(), params_.opslimit, params_.memlimit_bytes) != 0;
}

void PasswordHasher::burn() const { (void)verify(dummy_, "not the password"); }

Result<void> check_password_policy(std::string_view password, std::string_view email, std::string_view field) {
  auto weak = [field](std::string detail) {
    return std::unexpected(about_field(Problem("weak-password", std::move(detail)), field));
  };
  if (utf8_length(password) < 10) return weak("the password must have at least 10 characters");
  if (password.size() > 128) return weak("the password must have at most 128 bytes");
  const std::string lower = ascii_lower(password);
  if (is_common_password(lower)) return weak("this password is one of the most common ones; choose another");
  if (std::set<char>(lower.begin(), lower.end()).size() < 4)
    return weak("the password needs more than a few distinct characters");
  if (!email.empty()) {
    const std::string e = ascii_lower(email);
    auto local = e.substr(0, e.find('@'));
    if (lower == e || (local.size() >= 4 && lower.find(local) != std::string::npos))
      return weak("the password must not contain your email address");
  }
  return {};
}

}  // namespace pm::auth
