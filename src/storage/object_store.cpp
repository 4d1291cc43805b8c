#include "storage/object_store.hpp"

#include <stdexcept>

#include "storage/local_store.hpp"
#include "storage/s3_store.hpp"

namespace pm::storage {

namespace {
bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}
}  // namespace

Result<void> validate_key(std::string_view key) {
  auto invalid = [](const char* why) {
    return std::unexpected(Problem("invalid-media-key", std::string("media key ") + why));
  };
  if (key.empty() || key.size() > 512) return invalid("must be 1 to 512 characters long");
  std::size_t start = 0;
  while (start <= key.size()) {
    auto end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    auto segment = key.substr(start, end - start);
    if (segment.empty()) return invalid("has an empty segment (a leading, trailing or doubled '/')");
    if (segment.front() == '.') return invalid("has a segment starting with '.'");
    for (char c : segment)
      if (!key_char(c)) return invalid("may only contain letters, digits, '-', '_', '.' and '/'");
    start = end + 1;
  }
  return {};
}

Problem media_not_found() { return Problem("media-not-found", "no media is stored under this key"); }

Problem storage_unavailable(std::string detail) { return Problem("storage-unavailable", std::move(detail)); }

std::unique_ptr<ObjectStore> make_object_store(const Config& config) {
  if (config.media_backend == "s3") return std::make_unique<S3ObjectStore>(S3Options::from(config));
  if (config.media_backend == "local") {
    // An empty folder would put media relative to the working directory, wherever that is.
    if (config.media_dir.empty()) throw std::invalid_argument("PM_MEDIA_DIR must not be empty");
    return std::make_unique<LocalObjectStore>(config.media_dir, config.media_url_secret);
  }
  throw std::invalid_argument("PM_MEDIA_BACKEND must be local or s3");
}

}  // namespace pm::storage
