#pragma once
// Small pieces every repository's SQL shares.

#include <optional>
#include <string>
#include <vector>

#include "core/id.hpp"

namespace pm::db {

// A PostgreSQL array literal of UUIDs (libpqxx 6 has no array parameters; UUIDs need no quoting).
inline std::string uuid_array(const std::vector<std::string>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + ids[i];
  return out + "}";
}
template <class Tag>
std::string uuid_array(const std::vector<Id<Tag>>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + ids[i].str();
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

// A PostgreSQL array literal of texts, each quoted (any character may appear), nullopt as NULL:
// a batch's column for unnest() (e.g. messaging's group commit).
inline std::string text_array(const std::vector<std::optional<std::string>>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    if (!values[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

inline std::string bool_array(const std::vector<bool>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::string(values[i] ? "t" : "f");
  return out + "}";
}

}  // namespace pm::db
