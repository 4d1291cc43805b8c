-- 0032_notification_groups_unkeyed (docs/schema.md, docs/notifications.md, docs/benchmarks.md):
--   notification_groups loses its deferred key to notifications(notification_id, created_at) and
--   the two indexes that served it. The key made every fold of a message notification (created_at
--   moved) cascade an update into the group row and check the key again at commit, against the
--   partitioned notifications: the group and the notification are now written together by the one
--   statement that folds (notifications/repository.cpp), which keeps the group's created_at equal
--   to its notification's. What the key also did is done where it happens: a read notification
--   leaves its group (already), a block removes the groups of the notifications it forgets, and
--   retention removes the groups of the months it drops (already, by created_at, now a scan of a
--   table of one row per unread group). The key to users stays.
--   Every fold updates its group's row twice (the claim that locks it, the move of created_at),
--   and with no index on the columns it changes that can be a heap-only update, if the row's page
--   has room: half of each page is left free for them.
ALTER TABLE notification_groups DROP CONSTRAINT notification_groups_notification_id_created_at_fkey;
DROP INDEX idx_notification_groups_notification;
DROP INDEX idx_notification_groups_created_at;
ALTER TABLE notification_groups SET (fillfactor = 50);
