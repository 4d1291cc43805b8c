-- 0035_push_subscription_session_required (down): undoes 0035_push_subscription_session_required.up.sql
-- (the rows it deleted stay deleted).
ALTER TABLE push_subscriptions ALTER COLUMN session_id DROP NOT NULL;
