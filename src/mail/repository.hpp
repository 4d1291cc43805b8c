#pragma once
// All of the email outbox's SQL (table email_outbox; payloads are stored encrypted). Functions take
// the caller's transaction.

#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace pm::mail::repository {

struct QueuedEmail {
  std::string outbox_id;
  std::string payload_encrypted;
};
void insert_email(pqxx::work& tx, const std::string& outbox_id, const std::string& user_id,
                  const std::string& payload_encrypted);
// Up to `limit` unsent mails that are due, locked (other servers skip them).
std::vector<QueuedEmail> claim_due_emails(pqxx::work& tx, int limit);
void mark_email_sent(pqxx::work& tx, const std::string& outbox_id);
// Counts the attempt and backs off exponentially (30 s, 1 min, 2 min, ... capped at 1 h).
void mark_email_failed(pqxx::work& tx, const std::string& outbox_id, const std::string& error);
// Unsent mails whose payload is not under the key `key_id`, locked.
std::vector<QueuedEmail> emails_not_under_key(pqxx::work& tx, const std::string& key_id);
void set_email_payload(pqxx::work& tx, const std::string& outbox_id, const std::string& payload_encrypted);

}  // namespace pm::mail::repository
