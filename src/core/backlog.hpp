#pragma once
// What waits in a queue (the job queue, the generation queue, an outbox), as the worker's
// /metrics reports it: how many rows, and how long the oldest one that is due has waited.

namespace pm {

struct Backlog {
  long long count = 0;
  double oldest_due_seconds = 0;  // 0 when nothing is due
};

}  // namespace pm
