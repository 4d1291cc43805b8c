#pragma once
// Reading a result row by column name. Every statement names its columns (SQL `AS` where an
// expression has no name of its own), so a repository reads `row["user_id"]`, never `row[7]`:
// adding a column cannot shift the others, and a misspelt name throws rather than reading the
// wrong value. A NOT NULL column is read with libpqxx itself, `row["user_id"].as<std::string>()`.

#include <optional>
#include <span>
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

// Each row's json/jsonb column (selected as text), parsed: one array, in the rows' order.
inline Json json_array_of(const pqxx::result& rows, const char* column) {
  Json out = Json::array();
  for (const auto& row : rows) out.push_back(Json::parse(row[column].as<std::string>()));
  return out;
}

// The rows of a person's data export, part by part: each query is (a name in the export, a
// statement of the user id $1 selecting one jsonb `entry` per row); name -> the array of entries.
template <class Id>
Json export_entries(pqxx::work& tx, std::span<const std::pair<const char*, const char*>> queries, const Id& user_id) {
  Json out = Json::object();
  for (const auto& [name, sql] : queries) out[name] = json_array_of(tx.exec_params(sql, user_id), "entry");
  return out;
}

}  // namespace pm::db
