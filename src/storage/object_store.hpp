#pragma once
// Where photos and other media live: one interface, two backends (a local directory, an S3
// bucket), chosen by PM_MEDIA_BACKEND. Services see only ObjectStore; which backend runs is
// configuration.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/problem.hpp"

namespace pm::storage {

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual Result<void> put(const std::string& key, std::string_view bytes, const std::string& content_type) = 0;
  // 404 problem "media-not-found" if absent.
  virtual Result<std::string> get(const std::string& key) = 0;
  // Idempotent: removing an absent object succeeds.
  virtual Result<void> remove(const std::string& key) = 0;
  virtual Result<bool> exists(const std::string& key) = 0;
  // A URL that serves the object to whoever holds it until it expires.
  virtual std::string signed_url(const std::string& key, std::chrono::seconds ttl) = 0;
  // The origin (scheme://host[:port]) of those URLs when it is not this server's, for the web
  // app's Content-Security-Policy; empty when this server serves them.
  virtual std::string url_origin() const { return {}; }
};

// The backend PM_MEDIA_BACKEND names (Config::load has checked its settings); throws
// std::invalid_argument for a configuration that did not come through Config::load and is incomplete.
std::unique_ptr<ObjectStore> make_object_store(const Config& config);

// Keys look like "users/<uuid>/<uuid>-display.jpg": 1 to 512 characters of [A-Za-z0-9._-] in
// '/'-separated segments, none empty and none starting with '.', so no key is absolute, climbs
// out with "..", or names a hidden file (the local backend keeps its temporary and content-type
// files under dot-names). 400 problem "invalid-media-key" otherwise.
Result<void> validate_key(std::string_view key);

// The problems every backend raises.
Problem media_not_found();                        // 404 "media-not-found"
Problem storage_unavailable(std::string detail);  // 503 "storage-unavailable"

}  // namespace pm::storage
