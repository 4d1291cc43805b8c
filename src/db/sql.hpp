#pragma once
// Small pieces every repository's SQL shares.

#include <optional>
#include <string>
#include <vector>

#include "core/id.hpp"

namespace pm::db {

// A UUID's text, whether held as a string or as a strong id.
inline const std::string& uuid_text(const std::string& id) { return id; }
template <class Tag>
const std::string& uuid_text(const Id<Tag>& id) {
  return id.str();
}

// A PostgreSQL array literal of UUIDs (libpqxx 6 has no array parameters; UUIDs need no quoting):
// of strings or of strong ids.
template <class Uuid>
std::string uuid_array(const std::vector<Uuid>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + uuid_text(ids[i]);
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
