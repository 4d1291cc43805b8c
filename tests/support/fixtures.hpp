#pragma once
// Committed test files under tests/fixtures/ (see make-fixtures.sh there for how they are made).

#include <string>

namespace pm::test {

// The bytes of a file; throws if it cannot be read.
std::string read_file(const std::string& path);
// The bytes of tests/fixtures/<name>; throws if it is missing.
std::string read_fixture(const std::string& name);

}  // namespace pm::test
