#pragma once
// Statements on a hot path, planned once per connection instead of on every call.
//
// exec_params sends an unnamed statement, which PostgreSQL parses and plans on every call; for the
// send path's batch statements (several CTEs) that was a fifth of PostgreSQL's time at 2,000
// messages/s (docs/benchmarks.md). A prepared statement is parsed once per connection and, after a
// few calls, runs a generic plan. libpqxx 6 keeps each connection's definitions and registers one
// with PostgreSQL on its first use; defining it again with the same text is a no-op, so each call
// defines it. The name must be unique to its text in the whole program: "<module>_<statement>".
// PostgreSQL re-plans after a schema change, and row-level security holds (the policies read the
// transaction's settings when they run). One change it cannot absorb: a migration that changes the
// type of a column the statement returns ("cached plan must not change result type", 0A000)
// fails the statement on that connection for good, so the connection is closed (the pool drops a
// closed one) and the next prepares it afresh: one failed call per pooled connection.

#include <utility>

#include <pqxx/pqxx>

namespace pm::db {

template <typename... Args>
pqxx::result exec_prepared(pqxx::work& tx, const char* name, const char* sql, Args&&... args) {
  tx.conn().prepare(name, sql);
  try {
    return tx.exec_prepared(name, std::forward<Args>(args)...);
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == "0A000") tx.conn().disconnect();
    throw;
  }
}

}  // namespace pm::db
