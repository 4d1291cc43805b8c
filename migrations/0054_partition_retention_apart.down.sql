-- 0054_partition_retention_apart (down): the sweep drops the expired months again (as 0052),
-- pm_drop_partitions_before counts each month just before detaching it (as 0019), and the message
-- months' drop counts the messages through it (as 0021).
DROP FUNCTION pm_enforce_partition_retention(TEXT, INT);
DROP FUNCTION pm_drop_partitions_before(regclass, timestamptz, boolean);

CREATE FUNCTION pm_drop_partitions_before(parent regclass, cutoff timestamptz) RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part regclass;
    upper_bound timestamptz;
    n BIGINT;
    dropped BIGINT := 0;
BEGIN
    FOR part, upper_bound IN
        SELECT i.inhrelid::regclass,
               substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = parent AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
    LOOP
        CONTINUE WHEN upper_bound > cutoff;
        EXECUTE format('SELECT count(*) FROM %s', part) INTO n;
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', parent, part);
        EXECUTE format('DROP TABLE %s', part);
        dropped := dropped + n;
    END LOOP;
    RETURN dropped;
END $$;
REVOKE EXECUTE ON FUNCTION pm_drop_partitions_before(regclass, timestamptz) FROM PUBLIC;

CREATE OR REPLACE FUNCTION pm_drop_expired_message_months(days INT) RETURNS TABLE (dropped_messages BIGINT, media_keys TEXT[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cutoff TIMESTAMPTZ;
    month_end TIMESTAMPTZ;
    was_system TEXT := coalesce(current_setting('pm.system', true), '');
BEGIN
    IF days IS NULL OR days < 1 THEN
        RAISE EXCEPTION 'retention must be at least one day (got %)', days;
    END IF;
    cutoff := now() - make_interval(days => days);
    -- The end of the last month that lies wholly before the cutoff: what the drops below take.
    month_end := date_trunc('month', cutoff AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    PERFORM set_config('pm.system', 'on', true);
    media_keys := coalesce((SELECT array_agg(m.media_url) FROM messages m
                            WHERE m.sent_at < month_end AND m.media_url IS NOT NULL
                              AND m.tableoid <> 'messages_default'::regclass), '{}');
    PERFORM pm_drop_partitions_before('message_documents', cutoff);
    dropped_messages := pm_drop_partitions_before('messages', cutoff);
    PERFORM set_config('pm.system', CASE WHEN was_system = 'on' THEN 'on' ELSE 'off' END, true);
    RETURN NEXT;
END $$;

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
    -- Bounces: an address set aside that long is tried again (its mailbox may work now).
    DELETE FROM email_bounces WHERE bounced_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'email_bounces'; deleted := n; RETURN NEXT;

    PERFORM set_config('pm.retention', 'off', true);
    PERFORM set_config('pm.system', CASE WHEN was_system = 'on' THEN 'on' ELSE 'off' END, true);
END $$;
