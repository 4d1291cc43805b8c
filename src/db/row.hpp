#pragma once
// Reading a result row by column name. Every statement names its columns (SQL `AS` where an
// expression has no name of its own), so a repository reads `row["user_id"]`, never `row[7]`:
// adding a column cannot shift the others, and a misspelt name throws rather than reading the
// wrong value. A NOT NULL column is read with libpqxx itself, `row["user_id"].as<std::string>()`.

#include <optional>
#include <utility>

#include <pqxx/pqxx>

#include "core/json.hpp"

namespace pm::db {

// A nullable column: nullopt for NULL. A stand-in for NULL is `.value_or(...)` on the result.
template <class T>
std::optional<T> opt(const pqxx::row& row, const char* column) {
  const pqxx::field field = row[column];
  return field.is_null() ? std::nullopt : std::optional<T>(field.as<T>());
}

// A nullable json/jsonb column (selected as text), parsed; `if_null` for NULL.
inline Json json_or(const pqxx::row& row, const char* column, Json if_null) {
  const auto text = opt<std::string>(row, column);
  return text ? Json::parse(*text) : std::move(if_null);
}

}  // namespace pm::db
