#include "notifications/notification_sender.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/files.hpp"

namespace pm::notifications {

namespace fs = std::filesystem;

namespace {

Problem write_failed() { return Problem("notification-unavailable", "cannot write the notification file"); }

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
  // Written whole or not at all: two racing attempts still leave one file.
  if (files::write_atomically(target, doc.dump(2) + "\n") != 0) return std::unexpected(write_failed());
  return {};
}

}  // namespace pm::notifications
