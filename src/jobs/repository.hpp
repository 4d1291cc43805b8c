#pragma once
// All of the job queue's SQL (table jobs). Functions take the caller's transaction.

#include <string>

#include <pqxx/pqxx>

namespace pm::jobs::repository {

// Inserts a pending job unless one with the same kind and payload (JSON text) is still pending.
void insert_unless_pending(pqxx::work& tx, const std::string& kind, const std::string& payload_json);

}  // namespace pm::jobs::repository
