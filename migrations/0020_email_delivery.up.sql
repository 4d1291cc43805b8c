-- 0020_email_delivery: real delivery of the email outbox (SMTP, docs/notifications.md "Email").
--   sending_since: an attempt started (committed before the first byte goes out). A row with it set
--     and neither sent_at nor failed_at is a mail whose outcome is unknown (the worker died between
--     sending and recording): it is never attempted again, so no one gets a mail twice.
--   failed_at: a permanent failure (a 5xx answer): never retried; last_error says why.
--   email_bounces: addresses whose server refused the recipient with a 5xx, by the same blind
--     index as users.email_index (no address in clear); later mails to them are not attempted.
ALTER TABLE email_outbox ADD COLUMN sending_since TIMESTAMP WITH TIME ZONE,
    ADD COLUMN failed_at TIMESTAMP WITH TIME ZONE;
DROP INDEX idx_email_outbox_pending;
CREATE INDEX idx_email_outbox_pending ON email_outbox(next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL AND sending_since IS NULL;

CREATE TABLE email_bounces (
    email_index TEXT PRIMARY KEY,
    bounced_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    reason TEXT NOT NULL
);
