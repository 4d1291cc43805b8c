#include "notifications/notification_sender.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

#include "core/crypto.hpp"

namespace pm::notifications {

namespace fs = std::filesystem;

namespace {

Problem write_failed() { return Problem("notification-unavailable", "cannot write the notification file"); }

bool write_all(int fd, const std::string& bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

// The rename is durable only once the folder itself is on disk.
void sync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Result<void> JsonFileSender::send(const Outgoing& out) {
  // The id names a file: anything but a UUID could leave the folder.
  if (!crypto::is_uuid(out.outbox_id))
    return std::unexpected(Problem("invalid-outbox-id", "the outbox id is not a UUID"));
  std::error_code ec;
  fs::create_directories(dir_, ec);
  const fs::path target = fs::path(dir_) / fmt::format("{}.json", out.outbox_id);
  if (fs::exists(target, ec)) return {};  // delivered before (a retry after a crash): one copy stays one
  const Json doc = {{"outbox_id", out.outbox_id},
                    {"channel", channel_name(out.channel)},
                    {"user_id", out.user_id},
                    {"notification", out.payload}};
  // A temporary name of this attempt alone (leading '.': never taken for a delivery), renamed over
  // the target: readers see the whole file or none, and two racing attempts still leave one file.
  const fs::path temp = fs::path(dir_) / fmt::format(".{}.json.tmp-{}", out.outbox_id, crypto::random_hex(6));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return std::unexpected(write_failed());
  bool ok = write_all(fd, doc.dump(2) + "\n");
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (ok) ok = ::rename(temp.c_str(), target.c_str()) == 0;
  if (!ok) {
    ::unlink(temp.c_str());
    return std::unexpected(write_failed());
  }
  sync_dir(dir_);
  return {};
}

}  // namespace pm::notifications
