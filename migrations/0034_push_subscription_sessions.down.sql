-- 0034_push_subscription_sessions (down): undoes 0034_push_subscription_sessions.up.sql.
ALTER TABLE push_subscriptions DROP COLUMN session_id;
