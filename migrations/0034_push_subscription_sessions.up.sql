-- 0034_push_subscription_sessions (docs/notifications.md "Push"):
--   push_subscriptions.session_id: the session that turned push on in that browser (the SHA-256
--   of its token, hex, as sessions:{userId} names it in Redis; never the token). When the session
--   ends (sign-out, "sign out everywhere", a password change or reset, a suspension) its browser's
--   subscription goes with it: else a device signed out of the account kept receiving a live
--   feed of its matches and messages. Rows from before have none and go when every session ends.
ALTER TABLE push_subscriptions ADD COLUMN session_id TEXT;
