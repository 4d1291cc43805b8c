#include "support/temp_dir.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

#include <gtest/gtest.h>

#include "core/crypto.hpp"

namespace pm::test {

namespace fs = std::filesystem;

TempDir::TempDir(std::string_view stem)
    : path(fs::path(::testing::TempDir()) / (std::string(stem) + "-" + crypto::random_hex(6))) {}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

void TempDir::write(const std::string& name, const std::string& text) const {
  fs::create_directories(path);
  std::ofstream(path / name) << text;
}

std::vector<std::string> TempDir::names() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pm::test
