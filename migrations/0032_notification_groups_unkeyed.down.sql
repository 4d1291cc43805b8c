-- 0032_notification_groups_unkeyed (down): undoes 0032_notification_groups_unkeyed.up.sql, with
-- 0020's names. (A group whose notification is gone, which the key would have removed, goes first.)
DELETE FROM notification_groups g WHERE NOT EXISTS (
    SELECT FROM notifications n WHERE n.notification_id = g.notification_id AND n.created_at = g.created_at);
ALTER TABLE notification_groups ADD CONSTRAINT notification_groups_notification_id_created_at_fkey
    FOREIGN KEY (notification_id, created_at) REFERENCES notifications(notification_id, created_at)
    ON UPDATE CASCADE ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX idx_notification_groups_notification ON notification_groups(notification_id, created_at);
CREATE INDEX idx_notification_groups_created_at ON notification_groups(created_at);
ALTER TABLE notification_groups RESET (fillfactor);
