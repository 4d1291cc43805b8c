-- 0052_email_bounces_retention (down): the sweep as 0049 wrote it, without the two indexes.
DROP INDEX idx_email_bounces_bounced_at;
DROP INDEX idx_payment_events_received_at;

CREATE OR REPLACE FUNCTION pm_retention_sweep(days INT) RETURNS TABLE (what TEXT, deleted BIGINT)
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
    -- A push delivery's record (0024) is kept while its outbox row may still be tried, then goes
    -- with the rest of the activity: its outcome matters only to that outbox row's attempts.
    DELETE FROM push_deliveries d WHERE d.started_at < cutoff AND NOT EXISTS (
        SELECT FROM notification_outbox o
        WHERE o.outbox_id = d.outbox_id AND o.sent_at IS NULL AND o.failed_at IS NULL);
    GET DIAGNOSTICS n = ROW_COUNT; what := 'push_deliveries'; deleted := n; RETURN NEXT;
    DELETE FROM notification_groups WHERE created_at < cutoff;
    n := pm_drop_partitions_before('notifications', cutoff);
    DELETE FROM notifications WHERE is_read IS TRUE AND created_at < cutoff;
    GET DIAGNOSTICS deleted = ROW_COUNT; what := 'notifications'; deleted := deleted + n; RETURN NEXT;
    -- A report's own words once either account is gone: kept for the retention period as the
    -- moderators' evidence, at once gone when both are. (The reporter's words may be about
    -- themselves; the person reported may have left.) The row stays (its reason and outcome).
    UPDATE user_reports SET details = NULL
    WHERE details IS NOT NULL AND (reported_id IS NULL OR reporter_id IS NULL)
      AND ((reported_id IS NULL AND reporter_id IS NULL) OR created_at < cutoff);
    GET DIAGNOSTICS n = ROW_COUNT; what := 'user_reports.details'; deleted := n; RETURN NEXT;
    -- Payment events received before the cutoff: their ids guard against a redelivery, which a
    -- provider makes for days, not months (Stripe: three), and a replay's signature is refused after
    -- minutes; their outcomes are the payment's activity, kept like the rest.
    DELETE FROM payment_events WHERE received_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'payment_events'; deleted := n; RETURN NEXT;

    PERFORM set_config('pm.retention', 'off', true);
    PERFORM set_config('pm.system', CASE WHEN was_system = 'on' THEN 'on' ELSE 'off' END, true);
END $$;
