#pragma once
// Files the server writes itself: the local media store's objects, and the mails and notifications
// of the file senders (a laptop's or a test's stand-ins for SMTP and Web Push).

#include <chrono>
#include <filesystem>
#include <string_view>

namespace pm::files {

// Writes `bytes` to `target` through a temporary file in the same folder (a leading '.' and a
// random suffix: never taken for a finished file, never shared by two writers), fsynced, renamed
// over the target (atomic within a file system: readers see the whole file or none), then the
// folder fsynced (the rename is durable only then). Mode 0640: the owner's and the group's, never
// other users', whatever the umask. 0, or the errno of the step that failed (nothing is left
// behind then).
int write_atomically(const std::filesystem::path& target, std::string_view bytes);

// Deletes the files directly in `dir` named `*<suffix>` (and the temporary files of such writes)
// last written longer ago than `age` (a retention): nothing else, should the folder be shared. The
// folder missing is none. How many went.
int remove_older_than(const std::filesystem::path& dir, std::string_view suffix, std::chrono::hours age);

}  // namespace pm::files
