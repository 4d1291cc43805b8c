-- 0012_audit_and_retention (up): the audit log records data access too, is append-only, and
-- activity records are kept PM_ACTIVITY_RETENTION_DAYS (90 by default; docs/security.md).

-- An entry is: who (user_id, the actor; NULL for the system or an unknown account), what (event),
-- about whom (subject_id: the profile viewed, the user blocked or reported), the request
-- (request_id) and the client's address (ip), when (created_at).
ALTER TABLE audit_log ADD COLUMN subject_id UUID;
ALTER TABLE audit_log ADD COLUMN request_id VARCHAR(128);
ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN ('signup', 'sign_in', 'sign_in_failed',
    'sign_out', 'sign_out_all', 'password_change', 'password_reset', 'email_change', 'email_verified',
    'account_deletion', 'oauth_link',
    'profile_view', 'data_export', 'block', 'unblock', 'report', 'key_rotation'));
CREATE INDEX idx_audit_log_subject ON audit_log(subject_id, created_at DESC) WHERE subject_id IS NOT NULL;
GRANT SELECT (subject_id, request_id) ON audit_log TO pm_analytics;

-- Append-only: the app role has INSERT and SELECT only (0011), and no role, the owner included,
-- changes or removes an entry, except pm_enforce_retention() below removing expired ones.
CREATE FUNCTION pm_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('pm.retention', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION pm_audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION pm_audit_log_append_only();

-- Retention: deletes what is older than `days` of the activity records, and says how many of each.
-- SECURITY DEFINER: it runs as the owner, the one role with DELETE on audit_log; the app role
-- (the worker) may only call it. Everything else it deletes the app role could delete itself.
CREATE FUNCTION pm_enforce_retention(days INT) RETURNS TABLE (what TEXT, deleted BIGINT)
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

    DELETE FROM audit_log WHERE created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'audit_log'; deleted := n; RETURN NEXT;
    DELETE FROM jobs WHERE status IN ('done', 'failed') AND coalesce(finished_at, created_at) < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'jobs'; deleted := n; RETURN NEXT;
    DELETE FROM auth_tokens WHERE (used_at IS NOT NULL OR expires_at < now()) AND created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'auth_tokens'; deleted := n; RETURN NEXT;
    DELETE FROM email_outbox WHERE sent_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'email_outbox'; deleted := n; RETURN NEXT;
    DELETE FROM notification_outbox WHERE coalesce(sent_at, failed_at) < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'notification_outbox'; deleted := n; RETURN NEXT;
    DELETE FROM notifications WHERE is_read IS TRUE AND created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'notifications'; deleted := n; RETURN NEXT;

    PERFORM set_config('pm.retention', 'off', true);
    PERFORM set_config('pm.system', CASE WHEN was_system = 'on' THEN 'on' ELSE 'off' END, true);
END $$;
REVOKE EXECUTE ON FUNCTION pm_enforce_retention(INT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pm_enforce_retention(INT) TO pm_app;
