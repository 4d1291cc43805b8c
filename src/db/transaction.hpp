#pragma once
// The one transaction helper: check out a connection, run `fn` in a transaction, commit when it
// returns a value, roll back when it returns a Problem or throws. A lost connection becomes a 503.

#include <type_traits>

#include <pqxx/pqxx>

#include "db/pool.hpp"

namespace pm::db {

// `fn(pqxx::work&)` returns Result<T>; transact returns it after committing.
template <class Fn>
auto transact(Pool& pool, Fn&& fn) -> std::invoke_result_t<Fn, pqxx::work&> {
  using R = std::invoke_result_t<Fn, pqxx::work&>;
  auto lease = PM_TRY(pool.acquire());
  try {
    pqxx::work tx(*lease);
    R result = fn(tx);
    if (result) tx.commit();
    return result;
  } catch (const pqxx::broken_connection&) {
    return R(std::unexpect, Problem("database-unavailable", "the connection to PostgreSQL was lost"));
  } catch (const pqxx::in_doubt_error&) {
    return R(std::unexpect, Problem("database-unavailable", "the connection was lost while committing"));
  }
}

}  // namespace pm::db
