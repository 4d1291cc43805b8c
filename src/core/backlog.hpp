#pragma once
// What waits in a queue (the job queue, the generation queue, an outbox), as the worker's
// /metrics reports it: how many rows, and how long the oldest one that is due has waited.

namespace pm {

struct Backlog {
  long long count = 0;
  double oldest_due_seconds = 0;  // 0 when nothing is due
};

// A queue's backlog from a result row (a pqxx::row: a template, so core needs no libpqxx here)
// with the columns `waiting` and `oldest_due_seconds`, as each queue's statement names them.
template <class Row>
Backlog backlog_of(const Row& row) {
  return {.count = row["waiting"].template as<long long>(),
          .oldest_due_seconds = row["oldest_due_seconds"].template as<double>()};
}

}  // namespace pm
