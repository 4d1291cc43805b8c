#pragma once
// A folder of one test's own under GoogleTest's temporary directory, removed with everything in
// it when the test ends. Only the path is chosen: the folder is created by the first write(), or
// by the code under test (which may be what the test checks).

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pm::test {

struct TempDir {
  explicit TempDir(std::string_view stem = "pm");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to the file `name` in the folder, creating the folder if needed.
  void write(const std::string& name, const std::string& text) const;
  // The names of the folder's entries, sorted (none if it does not exist).
  std::vector<std::string> names() const;

  std::filesystem::path path;
};

}  // namespace pm::test
