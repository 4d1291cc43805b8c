-- 0009_notifications (down): undoes 0009_notifications.up.sql.
DROP TABLE notification_outbox;
DROP INDEX idx_notifications_user_unread;
DROP INDEX idx_notifications_user_created;
DROP INDEX idx_notifications_unread_group;
ALTER TABLE notifications DROP COLUMN group_key;
