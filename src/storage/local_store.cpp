#include "storage/local_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "core/files.hpp"
#include "core/log.hpp"

namespace pm::storage {

namespace fs = std::filesystem;

namespace {

// Beside "<dir>/<name>": "<dir>/.<name>.type". Keys never have a segment starting with '.',
// so no key can name this file or a temporary one.
// (fmt::format rather than "." + name: GCC 12 warns falsely about the latter under -O3.)
fs::path type_path(const fs::path& file) {
  return file.parent_path() / fmt::format(".{}.type", file.filename().string());
}

Problem io_failure(std::string_view op, const std::string& key, int err) {
  log::error("media-local-io-failed", {{"op", op}, {"key", key}, {"error", std::strerror(err)}});
  return storage_unavailable("the media store could not be accessed");
}

// Whole or not at all (core/files.hpp).
Result<void> write_atomically(const fs::path& target, std::string_view bytes, const std::string& key) {
  if (int err = files::write_atomically(target, bytes)) return std::unexpected(io_failure("write", key, err));
  return {};
}

// The whole file, or ENOENT/another errno.
std::expected<std::string, int> read_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(errno);
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return std::unexpected(err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

LocalObjectStore::LocalObjectStore(fs::path root, std::string url_secret)
    : root_(std::move(root)), signer_(std::move(url_secret)) {}

Result<void> LocalObjectStore::put(const std::string& key, std::string_view bytes, const std::string& content_type) {
  PM_TRY(validate_key(key));
  auto file = root_ / key;
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) return std::unexpected(io_failure("mkdir", key, ec.value()));
  // The type first: once the object is visible, its type is too.
  PM_TRY(write_atomically(type_path(file), content_type, key));
  return write_atomically(file, bytes, key);
}

Result<StoredObject> LocalObjectStore::read(const std::string& key) {
  PM_TRY(validate_key(key));
  auto file = root_ / key;
  auto bytes = read_file(file);
  if (!bytes) {
    // ENOTDIR: a prefix of the key is a file, so this key cannot exist either.
    if (bytes.error() == ENOENT || bytes.error() == ENOTDIR || bytes.error() == EISDIR)
      return std::unexpected(media_not_found());
    return std::unexpected(io_failure("read", key, bytes.error()));
  }
  auto type = read_file(type_path(file));
  return StoredObject{std::move(*bytes), type ? std::move(*type) : "application/octet-stream"};
}

Result<std::string> LocalObjectStore::get(const std::string& key) {
  auto object = PM_TRY(read(key));
  return std::move(object.bytes);
}

Result<void> LocalObjectStore::remove(const std::string& key) {
  PM_TRY(validate_key(key));
  auto file = root_ / key;
  for (const auto& path : {file, type_path(file)}) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR)
      return std::unexpected(io_failure("unlink", key, errno));
  }
  return {};
}

Result<bool> LocalObjectStore::exists(const std::string& key) {
  PM_TRY(validate_key(key));
  std::error_code ec;
  auto status = fs::status(root_ / key, ec);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    return std::unexpected(io_failure("stat", key, ec.value()));
  return fs::is_regular_file(status);
}

std::string LocalObjectStore::signed_url(const std::string& key, std::chrono::seconds ttl) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch());
  return signer_.url(key, (now + ttl).count());
}

}  // namespace pm::storage
