-- 0020_notifications_partitioned (up): notifications partitioned by month, like the audit log and
-- messages (0019; issue 13, docs/operations.md), so that retention drops whole months and a
-- list bounded in time reads only its months.
--
-- Two things tied notifications to one table and are moved out of it first:
--   * Coalescing (0009) kept "at most one unread notification per (user, type, group)" with a
--     unique partial index. A partitioned table's unique indexes must include the partition key
--     (created_at, which coalescing moves), so that rule now lives in notification_groups: one row
--     per group with an unread notification, pointing at it. Inserting or locking that row
--     serialises the writers of a group; the foreign key keeps it pointing at a live, unread row
--     (a read or deleted notification takes its group row with it, see the repository).
--   * notification_outbox referenced notifications(notification_id). A delivery carries its own
--     payload and is kept, sent or not, for the retention period (0012); the link to the
--     notification served only to cascade deletions, which the one path that deletes notifications
--     (a block: notifications/repository.cpp, kForgetBetween) now does itself.

-- The grants of a table on its replacement (table and column ones, and none beyond them: the
-- default privileges would give the app role everything on a new table). Owner-only; for this and
-- later migrations (0019 kept a copy of its own in pg_temp).
CREATE FUNCTION pm_copy_privileges(src regclass, dst regclass) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    a record;
BEGIN
    EXECUTE format('REVOKE ALL ON %s FROM PUBLIC, pm_app, pm_analytics', dst);
    FOR a IN SELECT x.grantee::regrole::text AS grantee, x.privilege_type
             FROM pg_class c, aclexplode(c.relacl) x
             WHERE c.oid = src AND x.grantee <> 0 AND x.grantee <> c.relowner LOOP
        EXECUTE format('GRANT %s ON %s TO %I', a.privilege_type, dst, a.grantee);
    END LOOP;
    FOR a IN SELECT att.attname, x.grantee::regrole::text AS grantee, x.privilege_type
             FROM pg_attribute att, aclexplode(att.attacl) x
             WHERE att.attrelid = src AND att.attacl IS NOT NULL AND x.grantee <> 0 LOOP
        EXECUTE format('GRANT %s (%I) ON %s TO %I', a.privilege_type, a.attname, dst, a.grantee);
    END LOOP;
END $$;
REVOKE EXECUTE ON FUNCTION pm_copy_privileges(regclass, regclass) FROM PUBLIC;

ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_notification_id_fkey;
CREATE INDEX idx_notification_outbox_notification ON notification_outbox(notification_id);

ALTER TABLE notifications RENAME TO notifications_before_0020;
ALTER INDEX notifications_pkey RENAME TO notifications_before_0020_pkey;
ALTER INDEX idx_notifications_user_id RENAME TO idx_notifications_before_0020_user_id;
ALTER INDEX idx_notifications_type RENAME TO idx_notifications_before_0020_type;
ALTER INDEX idx_notifications_created_at RENAME TO idx_notifications_before_0020_created_at;
ALTER INDEX idx_notifications_read_status RENAME TO idx_notifications_before_0020_read_status;
ALTER INDEX idx_notifications_unread_group RENAME TO idx_notifications_before_0020_unread_group;
ALTER INDEX idx_notifications_user_created RENAME TO idx_notifications_before_0020_user_created;
ALTER INDEX idx_notifications_user_unread RENAME TO idx_notifications_before_0020_user_unread;

-- created_at is NOT NULL now (the partition key; every row has had it: DEFAULT NOW()).
UPDATE notifications_before_0020 SET created_at = now() WHERE created_at IS NULL;
CREATE TABLE notifications (LIKE notifications_before_0020 INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (created_at);
ALTER TABLE notifications ALTER COLUMN created_at SET NOT NULL;
ALTER TABLE notifications ADD PRIMARY KEY (notification_id, created_at);
ALTER TABLE notifications ADD FOREIGN KEY (user_id) REFERENCES users(user_id) ON DELETE CASCADE;
CREATE INDEX idx_notifications_user_id ON notifications(user_id);
CREATE INDEX idx_notifications_type ON notifications(type);
CREATE INDEX idx_notifications_created_at ON notifications(created_at DESC);
CREATE INDEX idx_notifications_read_status ON notifications(is_read);
CREATE INDEX idx_notifications_user_created
    ON notifications(user_id, created_at DESC, notification_id DESC);
CREATE INDEX idx_notifications_user_unread
    ON notifications(user_id, created_at DESC, notification_id DESC)
    WHERE is_read IS NOT TRUE;
CREATE TABLE notifications_default PARTITION OF notifications DEFAULT;
REVOKE ALL ON notifications_default FROM PUBLIC, pm_app, pm_analytics;
SELECT pm_copy_privileges('notifications_before_0020', 'notifications');

SELECT pm_create_month_partition('notifications', m)
FROM generate_series(date_trunc('month', coalesce((SELECT min(created_at) FROM notifications_before_0020), now())),
                     now(), interval '1 month') m;
SELECT pm_ensure_partitions(3);
INSERT INTO notifications SELECT * FROM notifications_before_0020;

-- The unread notification of each group (coalescing, above). The key is deferred to commit: a
-- writer claims the group first and then inserts the notification it names.
CREATE TABLE notification_groups (
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    type VARCHAR(50) NOT NULL,
    group_key VARCHAR(200) NOT NULL,
    notification_id UUID NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (user_id, type, group_key),
    -- Follows its notification when coalescing moves created_at (and so, at a month's turn, the
    -- row to the next partition: an UPDATE on PostgreSQL 15 and later), and goes with it.
    FOREIGN KEY (notification_id, created_at) REFERENCES notifications(notification_id, created_at)
        ON UPDATE CASCADE ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX idx_notification_groups_notification ON notification_groups(notification_id, created_at);
CREATE INDEX idx_notification_groups_created_at ON notification_groups(created_at);
INSERT INTO notification_groups (user_id, type, group_key, notification_id, created_at)
SELECT user_id, type, group_key, notification_id, created_at FROM notifications
WHERE group_key IS NOT NULL AND is_read IS NOT TRUE;
DROP TABLE notifications_before_0020;

-- Row-level security as 0011 set it: the user's own rows, every row for the analytics role
-- (whose column grants came over above).
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON notifications USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY analytics_read ON notifications FOR SELECT TO pm_analytics USING (true);
ALTER TABLE notification_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON notification_groups USING (pm_is_system() OR user_id = pm_user_id());

-- Retention as 0019 left it, with notifications' expired months dropped whole (read or not: a
-- notification older than the retention period is past mattering); in the month that straddles
-- the cutoff, read ones are deleted as before. A group whose unread notification is that old is
-- closed first (the next message of it starts a new notification).
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
    DELETE FROM email_outbox WHERE sent_at < cutoff;
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
