#pragma once
// Small pieces every repository's SQL shares.

#include <string>
#include <vector>

namespace pm::db {

// A PostgreSQL array literal of UUIDs (libpqxx 6 has no array parameters; UUIDs need no quoting).
inline std::string uuid_array(const std::vector<std::string>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + ids[i];
  return out + "}";
}

// A PostgreSQL array literal of numbers, e.g. for a real[] column.
inline std::string number_array(const std::vector<float>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

}  // namespace pm::db
