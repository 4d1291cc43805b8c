-- 0027_language_bounces_retention (down): no language, no delay count; retention as 0023 left it.
ALTER TABLE user_preferences DROP COLUMN language;
ALTER TABLE email_outbox DROP COLUMN delay_reports;

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
