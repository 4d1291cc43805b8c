#pragma once
// Bulk writes with COPY: rows composed in COPY's text format (CopyRows), then sent as they are
// (copy_rows). libpqxx 6's stream_to escapes each field a byte at a time as the rows are sent: on
// match generation's writer that was a sixth of the process's time, and its PostgreSQL backend sat
// waiting for the rows (docs/benchmarks.md). Composing the rows where they are made (the scoring
// threads) leaves the writer only the sending.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

namespace pm::db {

// Rows in COPY's text format: fields separated by tabs, a row ended by a newline, NULL as \N.
class CopyRows {
 public:
  CopyRows& text(std::string_view value);  // any bytes: backslash, tab, newline and return escaped
  CopyRows& number(double value);          // the shortest text that reads back as the same double
  CopyRows& number(const std::optional<double>& value);
  CopyRows& null();
  CopyRows& end_row();

  const std::string& str() const { return out_; }
  bool empty() const { return out_.empty(); }

 private:
  void separate();
  std::string out_;
  bool row_started_ = false;
};

// COPY `table` (`columns`) FROM STDIN of `rows` (each whole rows, sent in order), within `tx`; a
// row PostgreSQL refuses throws pqxx::sql_error, as a statement would. Identifiers are the caller's
// constants, never input.
void copy_rows(pqxx::work& tx, std::string_view table, const std::vector<std::string>& columns,
               const std::vector<const CopyRows*>& rows);

}  // namespace pm::db
