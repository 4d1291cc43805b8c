#pragma once
// All of the job queue's SQL (table jobs). Functions take the caller's transaction.

#include <map>
#include <string>

#include <pqxx/pqxx>

#include "core/backlog.hpp"

namespace pm::jobs::repository {

// Inserts a pending job unless one with the same kind and payload (JSON text) is still pending.
void insert_unless_pending(pqxx::work& tx, const std::string& kind, const std::string& payload_json);

// Pending jobs by kind: how many, and how long the oldest due one has waited since its run_after.
std::map<std::string, Backlog> pending_by_kind(pqxx::work& tx);

}  // namespace pm::jobs::repository
