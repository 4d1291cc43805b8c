#include "mail/repository.hpp"

namespace pm::mail::repository {

namespace {

constexpr const char* kInsertEmail = R"sql(
  INSERT INTO email_outbox (outbox_id, user_id, payload) VALUES ($1, $2, $3) ON CONFLICT (outbox_id) DO NOTHING
)sql";
constexpr const char* kClaimDueEmail = R"sql(
  SELECT outbox_id, payload FROM email_outbox
  WHERE sent_at IS NULL AND failed_at IS NULL AND sending_since IS NULL AND next_attempt_at <= now()
  ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED
)sql";
constexpr const char* kMarkEmailSending = R"sql(
  UPDATE email_outbox SET sending_since = now(), attempts = attempts + 1 WHERE outbox_id = $1
)sql";
constexpr const char* kMarkEmailSent = R"sql(
  UPDATE email_outbox SET sent_at = now(), last_error = NULL WHERE outbox_id = $1
)sql";
// The exponent is capped before the power: 30 s * 2^39 is past what an interval holds, and that
// update failed, leaving the mail marked as being sent, so never tried again nor failed. A mail
// refused for longer than a mail server keeps trying (5 days, as Postfix's queue lifetime) fails.
constexpr const char* kMarkEmailRetry = R"sql(
  UPDATE email_outbox SET sending_since = NULL,
    failed_at = CASE WHEN created_at < now() - interval '5 days' THEN now() END,
    last_error = CASE WHEN created_at < now() - interval '5 days'
                      THEN 'given up after 5 days of temporary failures: ' || $2 ELSE $2 END,
    next_attempt_at = now() + least(interval '1 hour', interval '30 seconds' * power(2, least(attempts - 1, 7)))
  WHERE outbox_id = $1
  RETURNING failed_at IS NOT NULL AS given_up
)sql";
constexpr const char* kMarkEmailFailed = R"sql(
  UPDATE email_outbox SET failed_at = now(), last_error = $2 WHERE outbox_id = $1
)sql";
constexpr const char* kEmailById = R"sql(SELECT outbox_id, payload FROM email_outbox WHERE outbox_id = $1)sql";
constexpr const char* kMarkEmailBouncedLater = R"sql(
  UPDATE email_outbox SET failed_at = coalesce(failed_at, now()), last_error = $2 WHERE outbox_id = $1
)sql";
constexpr const char* kCountEmailDelay = R"sql(
  UPDATE email_outbox SET delay_reports = delay_reports + 1 WHERE outbox_id = $1
)sql";
constexpr const char* kRecordBounce = R"sql(
  INSERT INTO email_bounces (email_index, reason) VALUES ($1, $2)
  ON CONFLICT (email_index) DO UPDATE SET bounced_at = now(), reason = EXCLUDED.reason
)sql";
constexpr const char* kHasBounced = R"sql(
  SELECT EXISTS (SELECT 1 FROM email_bounces WHERE email_index = $1) AS bounced
)sql";
constexpr const char* kPendingEmails = R"sql(
  SELECT count(*) AS waiting,
         coalesce(extract(epoch FROM now() - min(next_attempt_at) FILTER (WHERE next_attempt_at <= now())), 0)::float8
           AS oldest_due_seconds
  FROM email_outbox WHERE sent_at IS NULL AND failed_at IS NULL AND sending_since IS NULL
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

void insert_email(pqxx::work& tx, const std::string& outbox_id, const UserId& user_id,
                  const std::string& payload_encrypted) {
  tx.exec_params(kInsertEmail, outbox_id, user_id, payload_encrypted);
}

std::optional<QueuedEmail> claim_due_email(pqxx::work& tx) {
  auto rows = queued_emails(tx.exec(kClaimDueEmail));
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

void mark_email_sending(pqxx::work& tx, const std::string& outbox_id) { tx.exec_params(kMarkEmailSending, outbox_id); }

void mark_email_sent(pqxx::work& tx, const std::string& outbox_id) { tx.exec_params(kMarkEmailSent, outbox_id); }

bool mark_email_retry(pqxx::work& tx, const std::string& outbox_id, const std::string& error) {
  auto r = tx.exec_params(kMarkEmailRetry, outbox_id, error);
  return !r.empty() && r[0]["given_up"].as<bool>();
}

void mark_email_failed(pqxx::work& tx, const std::string& outbox_id, const std::string& error) {
  tx.exec_params(kMarkEmailFailed, outbox_id, error);
}

std::optional<QueuedEmail> email_by_id(pqxx::work& tx, const std::string& outbox_id) {
  auto rows = queued_emails(tx.exec_params(kEmailById, outbox_id));
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

void mark_email_bounced_later(pqxx::work& tx, const std::string& outbox_id, const std::string& error) {
  tx.exec_params(kMarkEmailBouncedLater, outbox_id, error);
}

void count_email_delay(pqxx::work& tx, const std::string& outbox_id) { tx.exec_params(kCountEmailDelay, outbox_id); }

void record_bounce(pqxx::work& tx, const std::string& email_index, const std::string& reason) {
  tx.exec_params(kRecordBounce, email_index, reason);
}

bool has_bounced(pqxx::work& tx, const std::string& email_index) {
  return tx.exec_params1(kHasBounced, email_index)["bounced"].as<bool>();
}

Backlog pending_emails(pqxx::work& tx) { return backlog_of(tx.exec1(kPendingEmails)); }

std::vector<QueuedEmail> emails_not_under_key(pqxx::work& tx, const std::string& key_id) {
  return queued_emails(tx.exec_params(kEmailsNotUnderKey, "pm1." + key_id + ".%"));
}

void set_email_payload(pqxx::work& tx, const std::string& outbox_id, const std::string& payload_encrypted) {
  tx.exec_params(kSetEmailPayload, outbox_id, payload_encrypted);
}

}  // namespace pm::mail::repository
