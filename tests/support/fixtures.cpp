#include "support/fixtures.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pm::test {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string read_fixture(const std::string& name) {
  return read_file(std::string(PM_SOURCE_DIR) + "/tests/fixtures/" + name);
}

}  // namespace pm::test
