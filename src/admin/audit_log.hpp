#pragma once
// The audit log: security events with time, user and IP. Written inside the caller's
// transaction, so an event is recorded exactly when the change it describes is committed.
// Never holds a password, token or email address.

#include <string>

#include <pqxx/pqxx>

#include "core/json.hpp"

namespace pm::admin {

struct AuditEntry {
  std::string user_id;  // may be empty (e.g. a failed sign-in for an unknown account)
  std::string event;    // one of the events allowed by migrations/0006 (valid_audit_event)
  std::string ip;       // may be empty
  Json details = Json::object();
};

void record(pqxx::work& tx, const AuditEntry& entry);

// The user's own audit entries, newest first (for the data export).
Json entries_of(pqxx::work& tx, const std::string& user_id);

}  // namespace pm::admin
