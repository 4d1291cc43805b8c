#include "core/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/crypto.hpp"

namespace pm::files {

namespace fs = std::filesystem;

namespace {

int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

void sync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

int write_atomically(const fs::path& target, std::string_view bytes) {
  const auto temp = target.parent_path() / fmt::format(".{}.tmp-{}", target.filename().string(), crypto::random_hex(8));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return errno;
  // (0640 asked of open() is still narrowed by the umask, never widened: set it as asked.)
  int err = ::fchmod(fd, 0640) == 0 ? 0 : errno;
  if (err == 0) err = write_all(fd, bytes);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(temp.c_str(), target.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(temp.c_str());
    return err;
  }
  sync_dir(target.parent_path());
  return 0;
}

int remove_older_than(const fs::path& dir, std::string_view suffix, std::chrono::hours age) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - age;
  const std::string temporary = std::string(suffix) + ".tmp-";  // write_atomically's, left by a crash
  int removed = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool ours = name.ends_with(suffix) || (name.starts_with(".") && name.find(temporary) != std::string::npos);
    std::error_code e;
    if (!ours || !it->is_regular_file(e) || e) continue;
    const auto written = it->last_write_time(e);
    if (!e && written < cutoff && fs::remove(it->path(), e)) ++removed;
  }
  return removed;
}

}  // namespace pm::files
