// The development mail sender's files hold an address and a sign-in or reset link: never readable by
// other local users, whatever the umask of the process (./pm sets 077; `perfectmatch serve` run by
// hand had 022, and every mail was world-readable).

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "mail/sender.hpp"

namespace fs = std::filesystem;

TEST(EmlFileSender, AMailFileIsNotReadableByOtherUsersWhateverTheUmask) {
  const fs::path dir = fs::temp_directory_path() / ("pm-mail-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const mode_t before = ::umask(022);
  pm::mail::EmlFileSender sender(dir.string());
  auto sent = sender.send({.id = "m1", .to = "ada@example.com", .subject = "Reset", .body = "https://pm.test/reset"});
  ::umask(before);
  ASSERT_TRUE(sent) << sent.error().detail;
  const auto perms = fs::status(dir / "m1.eml").permissions();
  EXPECT_EQ(perms & fs::perms::others_all, fs::perms::none);
  EXPECT_EQ(perms & fs::perms::owner_read, fs::perms::owner_read);
  fs::remove_all(dir);
}
