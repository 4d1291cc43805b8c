// core/files: the one atomic write (the local media store, the mail and notification files) and
// the retention of the file senders' folders.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/files.hpp"

namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string contents(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(Files, AnAtomicWriteReplacesTheFileAndLeavesNothingElse) {
  const auto dir = fresh_dir("pm-files-write");
  ASSERT_EQ(pm::files::write_atomically(dir / "a.json", "first"), 0);
  ASSERT_EQ(pm::files::write_atomically(dir / "a.json", "second"), 0);
  EXPECT_EQ(contents(dir / "a.json"), "second");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1) << "a temporary file was left behind";
  EXPECT_NE(pm::files::write_atomically(dir / "missing" / "b.json", "x"), 0) << "a folder that is not there fails";
  fs::remove_all(dir);
}

TEST(Files, RetentionRemovesOnlyTheFilesOlderThanItsAge) {
  const auto dir = fresh_dir("pm-files-retention");
  const auto now = fs::file_time_type::clock::now();
  for (const auto& [name, age_hours] : {std::pair{"old.eml", 24 * 91},
                                        {"recent.eml", 24 * 89},
                                        {"new.eml", 0},
                                        {".old.eml.tmp-1a2b", 24 * 91},
                                        {"someone-elses.txt", 24 * 200}}) {
    std::ofstream(dir / name) << name;
    fs::last_write_time(dir / name, now - std::chrono::hours(age_hours));
  }
  fs::create_directories(dir / "old-folder");
  fs::last_write_time(dir / "old-folder", now - std::chrono::hours(24 * 200));

  EXPECT_EQ(pm::files::remove_older_than(dir, ".eml", std::chrono::hours(24 * 90)), 2);
  EXPECT_FALSE(fs::exists(dir / "old.eml"));
  EXPECT_FALSE(fs::exists(dir / ".old.eml.tmp-1a2b")) << "a write's temporary file left by a crash";
  EXPECT_TRUE(fs::exists(dir / "someone-elses.txt")) << "only the sender's own files go, should the folder be shared";
  EXPECT_TRUE(fs::exists(dir / "recent.eml"));
  EXPECT_TRUE(fs::exists(dir / "new.eml"));
  EXPECT_TRUE(fs::exists(dir / "old-folder")) << "only files go, never a folder";
  EXPECT_EQ(pm::files::remove_older_than(dir / "not-there", ".eml", std::chrono::hours(1)), 0);
  fs::remove_all(dir);
}
