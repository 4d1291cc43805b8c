DROP TABLE email_bounces;
DROP INDEX idx_email_outbox_pending;
ALTER TABLE email_outbox DROP COLUMN sending_since, DROP COLUMN failed_at;
CREATE INDEX idx_email_outbox_pending ON email_outbox(next_attempt_at) WHERE sent_at IS NULL;
