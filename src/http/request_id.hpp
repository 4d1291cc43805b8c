#pragma once
// Request ids (X-Request-Id, the problem's `instance`, every log line of a request): random
// version-4 UUIDs. They name a request and guard nothing, so they come from a per-thread
// generator seeded once from the OS, not from the OS for every request (a system call per request
// showed in the server's profile: docs/benchmarks.md).

#include <string>

namespace pm::http {

std::string new_request_id();

}  // namespace pm::http
