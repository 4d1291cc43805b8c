#include "db/copy.hpp"

#include <algorithm>
#include <charconv>

#include <libpq-fe.h>

namespace pm::db {

namespace {

// libpqxx 6 gives no public access to the libpq connection under a transaction; its large-object
// class hands it to derived classes, which is the door this uses. The transaction is idle while
// the COPY runs (nothing else of it is in flight), and the COPY is finished, its results read,
// before control returns to it.
struct RawConnection : pqxx::largeobject {
  static PGconn* of(const pqxx::dbtransaction& tx) { return raw_connection(tx); }
};

// At most this much per call into libpq (a piece may hold many rows).
constexpr std::size_t kChunk = 256 * 1024;

[[noreturn]] void fail(PGconn* conn, PGresult* result, const std::string& statement) {
  std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  if (result) PQclear(result);
  // Out of the COPY if it is still open (there, libpq answers "copying" for as long as it is), and
  // its remaining results read, so the connection is ready for the transaction's rollback.
  bool ended = false;
  while (PGresult* rest = PQgetResult(conn)) {
    const bool copying = PQresultStatus(rest) == PGRES_COPY_IN;
    PQclear(rest);
    if (!copying) continue;
    if (ended || PQputCopyEnd(conn, "abandoned") != 1) break;
    ended = true;
  }
  throw pqxx::sql_error(message, statement);
}

}  // namespace

void CopyRows::separate() {
  if (row_started_) out_ += '\t';
  row_started_ = true;
}

CopyRows& CopyRows::text(std::string_view value) {
  separate();
  // Runs of plain bytes are appended whole; only the four special bytes are escaped.
  while (!value.empty()) {
    const auto special = std::find_if(value.begin(), value.end(),
                                      [](char c) { return c == '\\' || c == '\t' || c == '\n' || c == '\r'; });
    out_.append(value.begin(), special);
    if (special == value.end()) break;
    out_ += '\\';
    out_ += *special == '\t' ? 't' : *special == '\n' ? 'n' : *special == '\r' ? 'r' : '\\';
    value.remove_prefix(static_cast<std::size_t>(special - value.begin()) + 1);
  }
  return *this;
}

CopyRows& CopyRows::number(double value) {
  separate();
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out_.append(buffer, end);
  return *this;
}

CopyRows& CopyRows::number(const std::optional<double>& value) { return value ? number(*value) : null(); }

CopyRows& CopyRows::null() {
  separate();
  out_ += "\\N";
  return *this;
}

CopyRows& CopyRows::end_row() {
  out_ += '\n';
  row_started_ = false;
  return *this;
}

void copy_rows(pqxx::work& tx, std::string_view table, const std::vector<std::string>& columns,
               const std::vector<const CopyRows*>& rows) {
  std::string statement = "COPY " + std::string(table) + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) statement += (i ? ", " : "") + columns[i];
  statement += ") FROM STDIN";
  PGconn* conn = RawConnection::of(tx);
  PGresult* started = PQexec(conn, statement.c_str());
  if (PQresultStatus(started) != PGRES_COPY_IN) fail(conn, started, statement);
  PQclear(started);
  // (libpq gathers small pieces in its buffer and sends it as it fills)
  for (const CopyRows* piece : rows) {
    const std::string& data = piece->str();
    for (std::size_t at = 0; at < data.size(); at += kChunk) {
      const auto size = static_cast<int>(std::min(kChunk, data.size() - at));
      if (PQputCopyData(conn, data.data() + at, size) != 1) fail(conn, nullptr, statement);
    }
  }
  if (PQputCopyEnd(conn, nullptr) != 1) fail(conn, nullptr, statement);
  PGresult* done = PQgetResult(conn);
  if (PQresultStatus(done) != PGRES_COMMAND_OK) fail(conn, done, statement);
  PQclear(done);
  while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
}

}  // namespace pm::db
