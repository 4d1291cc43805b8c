#pragma once
// All of the email outbox's SQL (tables email_outbox, email_bounces; payloads are stored
// encrypted, bounced addresses by their blind index). Functions take the caller's transaction.

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/backlog.hpp"
#include "core/id.hpp"

namespace pm::mail::repository {

struct QueuedEmail {
  std::string outbox_id;
  std::string payload_encrypted;
};
// Idempotent on outbox_id: queuing the same id again (a notification's retried delivery) adds nothing.
void insert_email(pqxx::work& tx, const std::string& outbox_id, const UserId& user_id,
                  const std::string& payload_encrypted);
// The next due mail that no attempt has started on, locked (other servers skip it).
std::optional<QueuedEmail> claim_due_email(pqxx::work& tx);
// An attempt starts: committed before the first byte goes out. Until recorded otherwise the
// outcome is unknown, and a mail whose outcome is unknown is never attempted again.
void mark_email_sending(pqxx::work& tx, const std::string& outbox_id);
void mark_email_sent(pqxx::work& tx, const std::string& outbox_id);
// A temporary failure: counts the attempt and backs off exponentially (30 s, 1 min, 2 min, ...
// capped at 1 h), then the mail is due again; true when the mail was queued more than 5 days ago,
// and is failed instead.
bool mark_email_retry(pqxx::work& tx, const std::string& outbox_id, const std::string& error);
// A permanent failure: never attempted again.
void mark_email_failed(pqxx::work& tx, const std::string& outbox_id, const std::string& error);
// One mail's stored payload (any state), or nullopt when there is none (never, or gone by retention).
std::optional<QueuedEmail> email_by_id(pqxx::work& tx, const std::string& outbox_id);
// A delivery status notification reported the mail failed for good after the relay took it.
void mark_email_bounced_later(pqxx::work& tx, const std::string& outbox_id, const std::string& error);
// One more "delayed" report (a 4.x.x DSN) about the mail: counted, nothing else.
void count_email_delay(pqxx::work& tx, const std::string& outbox_id);
// Bounces, by the address's blind index.
void record_bounce(pqxx::work& tx, const std::string& email_index, const std::string& reason);
bool has_bounced(pqxx::work& tx, const std::string& email_index);
// Mails waiting: neither sent, failed, nor started; the oldest due one's wait.
Backlog pending_emails(pqxx::work& tx);
// Unsent mails whose payload is not under the key `key_id`, locked.
std::vector<QueuedEmail> emails_not_under_key(pqxx::work& tx, const std::string& key_id);
void set_email_payload(pqxx::work& tx, const std::string& outbox_id, const std::string& payload_encrypted);

}  // namespace pm::mail::repository
