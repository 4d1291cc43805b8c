#pragma once
// The job queue (table jobs): work a service asks for and the worker does later, queued in the
// same transaction as the change that calls for it.

#include <map>
#include <string>

#include <pqxx/pqxx>

#include "core/backlog.hpp"
#include "core/json.hpp"

namespace pm::jobs {

// Queues a job unless an identical one (same kind and payload) is still pending.
void enqueue(pqxx::work& tx, const std::string& kind, const Json& payload);

// What waits, by kind (the worker's /metrics).
std::map<std::string, Backlog> backlog(pqxx::work& tx);

}  // namespace pm::jobs
