-- 0020_notifications_partitioned (down): notifications as one table again, every row kept, the
-- unread-group rule back in its unique index, the outbox's link to its notification back (deliveries
-- whose notification is gone go with it, as the link had them go), and retention as 0019 left it.

ALTER TABLE notifications RENAME TO notifications_partitioned;
ALTER INDEX notifications_pkey RENAME TO notifications_partitioned_pkey;
ALTER INDEX idx_notifications_user_id RENAME TO idx_notifications_partitioned_user_id;
ALTER INDEX idx_notifications_type RENAME TO idx_notifications_partitioned_type;
ALTER INDEX idx_notifications_created_at RENAME TO idx_notifications_partitioned_created_at;
ALTER INDEX idx_notifications_read_status RENAME TO idx_notifications_partitioned_read_status;
ALTER INDEX idx_notifications_user_created RENAME TO idx_notifications_partitioned_user_created;
ALTER INDEX idx_notifications_user_unread RENAME TO idx_notifications_partitioned_user_unread;

CREATE TABLE notifications (LIKE notifications_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE notifications ALTER COLUMN created_at DROP NOT NULL;
ALTER TABLE notifications ADD PRIMARY KEY (notification_id);
ALTER TABLE notifications ADD FOREIGN KEY (user_id) REFERENCES users(user_id) ON DELETE CASCADE;
SELECT pm_copy_privileges('notifications_partitioned', 'notifications');
INSERT INTO notifications SELECT * FROM notifications_partitioned;
DROP TABLE notification_groups;
DROP TABLE notifications_partitioned;
CREATE INDEX idx_notifications_user_id ON notifications(user_id);
CREATE INDEX idx_notifications_type ON notifications(type);
CREATE INDEX idx_notifications_created_at ON notifications(created_at DESC);
CREATE INDEX idx_notifications_read_status ON notifications(is_read);
CREATE UNIQUE INDEX idx_notifications_unread_group
    ON notifications(user_id, type, group_key)
    WHERE group_key IS NOT NULL AND is_read IS NOT TRUE;
CREATE INDEX idx_notifications_user_created
    ON notifications(user_id, created_at DESC, notification_id DESC);
CREATE INDEX idx_notifications_user_unread
    ON notifications(user_id, created_at DESC, notification_id DESC)
    WHERE is_read IS NOT TRUE;
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON notifications USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY analytics_read ON notifications FOR SELECT TO pm_analytics USING (true);

DELETE FROM notification_outbox o WHERE NOT EXISTS (SELECT FROM notifications n WHERE n.notification_id = o.notification_id);
DROP INDEX idx_notification_outbox_notification;
ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_notification_id_fkey FOREIGN KEY (notification_id)
    REFERENCES notifications(notification_id) ON DELETE CASCADE;

DROP FUNCTION pm_copy_privileges(regclass, regclass);

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
    DELETE FROM notifications WHERE is_read IS TRUE AND created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'notifications'; deleted := n; RETURN NEXT;

    PERFORM set_config('pm.retention', 'off', true);
    PERFORM set_config('pm.system', CASE WHEN was_system = 'on' THEN 'on' ELSE 'off' END, true);
END $$;
