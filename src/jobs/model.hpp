#pragma once
// What the job queue reports about itself (the worker's /metrics).

#include "core/backlog.hpp"

namespace pm::jobs {

// A kind's pending jobs. Beside the usual backlog, how long the oldest one that has already failed
// or been postponed has existed: a job postponed again and again (ending a suspended account's
// sessions while Redis refuses) is never "due" for long, since each postponement moves its time.
struct JobBacklog : Backlog {
  double oldest_retrying_seconds = 0;  // 0 when none is retrying
};

}  // namespace pm::jobs
