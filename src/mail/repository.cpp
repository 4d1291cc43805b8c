#include "mail/repository.hpp"

namespace pm::mail::repository {

namespace {

constexpr const char* kInsertEmail = R"sql(
  INSERT INTO email_outbox (outbox_id, user_id, payload) VALUES ($1, $2, $3)
)sql";
constexpr const char* kClaimDueEmails = R"sql(
  SELECT outbox_id, payload FROM email_outbox WHERE sent_at IS NULL AND next_attempt_at <= now()
  ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
)sql";
constexpr const char* kMarkEmailSent = R"sql(
  UPDATE email_outbox SET sent_at = now(), attempts = attempts + 1 WHERE outbox_id = $1
)sql";
constexpr const char* kMarkEmailFailed = R"sql(
  UPDATE email_outbox SET attempts = attempts + 1, last_error = $2,
    next_attempt_at = now() + least(interval '1 hour', interval '30 seconds' * power(2, attempts))
  WHERE outbox_id = $1
)sql";
// $1 is a LIKE pattern of the payloads written with the key.
constexpr const char* kEmailsNotUnderKey = R"sql(
  SELECT outbox_id, payload FROM email_outbox WHERE sent_at IS NULL AND payload NOT LIKE $1 FOR UPDATE
)sql";
constexpr const char* kSetEmailPayload = R"sql(
  UPDATE email_outbox SET payload = $2 WHERE outbox_id = $1
)sql";

std::vector<QueuedEmail> queued_emails(const pqxx::result& rows) {
  std::vector<QueuedEmail> out;
  out.reserve(rows.size());
  for (const auto& row : rows)
    out.push_back(
        {.outbox_id = row["outbox_id"].as<std::string>(), .payload_encrypted = row["payload"].as<std::string>()});
  return out;
}

}  // namespace

void insert_email(pqxx::work& tx, const std::string& outbox_id, const std::string& user_id,
                  const std::string& payload_encrypted) {
  tx.exec_params(kInsertEmail, outbox_id, user_id, payload_encrypted);
}

std::vector<QueuedEmail> claim_due_emails(pqxx::work& tx, int limit) {
  return queued_emails(tx.exec_params(kClaimDueEmails, limit));
}

void mark_email_sent(pqxx::work& tx, const std::string& outbox_id) { tx.exec_params(kMarkEmailSent, outbox_id); }

void mark_email_failed(pqxx::work& tx, const std::string& outbox_id, const std::string& error) {
  tx.exec_params(kMarkEmailFailed, outbox_id, error);
}

std::vector<QueuedEmail> emails_not_under_key(pqxx::work& tx, const std::string& key_id) {
  return queued_emails(tx.exec_params(kEmailsNotUnderKey, "pm1." + key_id + ".%"));
}

void set_email_payload(pqxx::work& tx, const std::string& outbox_id, const std::string& payload_encrypted) {
  tx.exec_params(kSetEmailPayload, outbox_id, payload_encrypted);
}

}  // namespace pm::mail::repository
