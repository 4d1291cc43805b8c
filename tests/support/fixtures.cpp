#include "support/fixtures.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pm::test {

std::string read_fixture(const std::string& name) {
  std::string path = std::string(PM_SOURCE_DIR) + "/tests/fixtures/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing test fixture " + path);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace pm::test
