#pragma once
// Signed URLs of the local backend: /media/<key>?expires=<unix seconds>&sig=<hex>, where sig is
// HMAC-SHA256 under a server secret over the key, a newline (never part of a key) and the
// expiry. Whoever holds the URL may read that one object until then; nobody can make one for
// another key or a later time without the secret.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/problem.hpp"
#include "core/time.hpp"

namespace pm::storage {

class MediaUrlSigner {
 public:
  // An empty secret is replaced by a random one, with a warning: URLs then stop working when
  // the process restarts, and differ between server processes.
  explicit MediaUrlSigner(std::string secret);

  // "/media/<key>?expires=<expires>&sig=<hex>"; keys need no escaping (validate_key's charset).
  std::string url(const std::string& key, std::int64_t expires_unix) const;
  std::string signature(std::string_view key, std::int64_t expires_unix) const;

  // The query parameters of a request for `key`, checked in constant time: 403 "media-url-invalid"
  // when missing, malformed or not made with our secret; 403 "media-url-expired" after the
  // expiry. On success, the seconds the URL is still valid for.
  Result<std::chrono::seconds> verify(std::string_view key, std::string_view expires, std::string_view sig,
                                      Clock::time_point now = Clock::now()) const;

 private:
  std::string secret_;
};

}  // namespace pm::storage
