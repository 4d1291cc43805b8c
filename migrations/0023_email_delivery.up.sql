-- 0023_email_delivery: real delivery of the email outbox (SMTP, docs/notifications.md "Email").
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

-- Retention as 0020 left it, with the mails that failed for good or whose outcome is unknown
-- (never tried again) deleted like sent ones once older than the retention: their encrypted
-- payloads are kept no longer than a sent mail's.
CREATE OR REPLACE FUNCTION pm_enforce_retention(days INT) RETURNS TABLE (what TEXT, deleted BIGINT)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cutoff TIMESTAMPTZ;
    was_system TEXT := coalesce(current_setting('pm.system', true), '');
    n BIGINT;
BEGIN
    IF days IS NULL OR days < 1 THEN
        RAISE EXCEPTION 'retention must be at least one day (got %)', days;
    END IF;
    cutoff := now() - make_interval(days => days);
    PERFORM set_config('pm.system', 'on', true);
    PERFORM set_config('pm.retention', 'on', true);

    n := pm_drop_partitions_before('audit_log', cutoff);
    DELETE FROM audit_log WHERE created_at < cutoff;
    GET DIAGNOSTICS deleted = ROW_COUNT; what := 'audit_log'; deleted := deleted + n; RETURN NEXT;
    DELETE FROM jobs WHERE status IN ('done', 'failed') AND coalesce(finished_at, created_at) < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'jobs'; deleted := n; RETURN NEXT;
    DELETE FROM auth_tokens WHERE (used_at IS NOT NULL OR expires_at < now()) AND created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'auth_tokens'; deleted := n; RETURN NEXT;
    DELETE FROM email_outbox WHERE coalesce(sent_at, failed_at, sending_since) < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'email_outbox'; deleted := n; RETURN NEXT;
    DELETE FROM notification_outbox WHERE coalesce(sent_at, failed_at) < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'notification_outbox'; deleted := n; RETURN NEXT;
    DELETE FROM notification_groups WHERE created_at < cutoff;
    n := pm_drop_partitions_before('notifications', cutoff);
    DELETE FROM notifications WHERE is_read IS TRUE AND created_at < cutoff;
    GET DIAGNOSTICS deleted = ROW_COUNT; what := 'notifications'; deleted := deleted + n; RETURN NEXT;

    PERFORM set_config('pm.retention', 'off', true);
    PERFORM set_config('pm.system', CASE WHEN was_system = 'on' THEN 'on' ELSE 'off' END, true);
END $$;
