-- 0054_partition_retention_apart (up): expired months are dropped in short transactions of their
-- own, apart from the retention sweep. The sweep detached them first, and a detach holds an ACCESS
-- EXCLUSIVE lock on the parent until its transaction ends: on a month's first sweep, while the
-- sweep's deletes ran (up to 5 minutes with a backlog), every insert into audit_log (every sign-in,
-- every audited request) or notifications waited for it. The worker now calls
-- pm_enforce_partition_retention(parent, days) for each parent first, each in its own transaction
-- with a short lock_timeout, then the sweep (docs/security.md "Retention").

-- The rows of every partition to drop are counted first, before the parent's lock is taken: with
-- several expired months (a worker stopped for weeks) the lock was held while the next was counted.
-- A caller that counted the rows itself, before an earlier lock, passes count_rows false (0 back).
DROP FUNCTION pm_drop_partitions_before(regclass, timestamptz);
CREATE FUNCTION pm_drop_partitions_before(parent regclass, cutoff timestamptz, count_rows boolean DEFAULT true)
RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    parts regclass[] := '{}';
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
        IF count_rows THEN
            EXECUTE format('SELECT count(*) FROM %s', part) INTO n;
            dropped := dropped + n;
        END IF;
        parts := parts || part;
    END LOOP;
    FOREACH part IN ARRAY parts LOOP
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', parent, part);
        EXECUTE format('DROP TABLE %s', part);
    END LOOP;
    RETURN dropped;
END $$;
REVOKE EXECUTE ON FUNCTION pm_drop_partitions_before(regclass, timestamptz, boolean) FROM PUBLIC;

-- Message retention's drop of whole months (0021), its messages counted with their photos' keys
-- before any lock: the documents go first (they reference the messages), and their table was
-- locked against every send while the month of messages was counted.
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
    SELECT count(*), coalesce(array_agg(m.media_url) FILTER (WHERE m.media_url IS NOT NULL), '{}')
      INTO dropped_messages, media_keys
      FROM messages m WHERE m.sent_at < month_end AND m.tableoid <> 'messages_default'::regclass;
    PERFORM pm_drop_partitions_before('message_documents', cutoff, false);
    PERFORM pm_drop_partitions_before('messages', cutoff, false);
    PERFORM set_config('pm.system', CASE WHEN was_system = 'on' THEN 'on' ELSE 'off' END, true);
    RETURN NEXT;
END $$;

-- The months of `parent` (the partitioned tables activity retention prunes) that end before the
-- retention's cutoff, dropped whole; how many rows went with them. As pm_enforce_retention, it
-- runs as the owner for the app role and keeps at least 30 days.
CREATE FUNCTION pm_enforce_partition_retention(parent TEXT, days INT) RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    was_system TEXT := coalesce(current_setting('pm.system', true), '');
    dropped BIGINT;
BEGIN
    IF days IS NULL OR days < 30 THEN
        RAISE EXCEPTION 'retention must be at least 30 days (got %)', days;
    END IF;
    IF parent IS NULL OR parent NOT IN ('audit_log', 'notifications') THEN
        RAISE EXCEPTION 'activity retention does not drop the months of %', parent;
    END IF;
    -- Two workers at once: the second waits for the first, then finds its months gone (it listed
    -- them only once the first had committed) instead of failing on a partition dropped meanwhile.
    PERFORM pg_advisory_xact_lock(hashtextextended('pm_enforce_partition_retention:' || parent, 0));
    PERFORM set_config('pm.system', 'on', true);
    dropped := pm_drop_partitions_before(parent::regclass, now() - make_interval(days => days));
    PERFORM set_config('pm.system', CASE WHEN was_system = 'on' THEN 'on' ELSE 'off' END, true);
    RETURN dropped;
END $$;
REVOKE EXECUTE ON FUNCTION pm_enforce_partition_retention(TEXT, INT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pm_enforce_partition_retention(TEXT, INT) TO pm_app;

-- The sweep as 0052 made it, without the drops of whole months (above); the expired rows of the
-- month that straddles the cutoff are still deleted here.
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

    DELETE FROM audit_log WHERE created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'audit_log'; deleted := n; RETURN NEXT;
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
    DELETE FROM notifications WHERE is_read IS TRUE AND created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'notifications'; deleted := n; RETURN NEXT;
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
