-- 0035_push_subscription_session_required (docs/notifications.md "Push"):
--   Every push subscription names the session that made it. The rows from before 0034 named none:
--   no push could ask whether their session was still in force, so they went on until every
--   session of their user ended (a browser signed out, or one someone else had turned push on in,
--   kept receiving matches and messages). They go now: their browsers get pushes again once push is
--   turned on there again (the switch reads the browser's own subscription, so it may still show on).
DELETE FROM push_subscriptions WHERE session_id IS NULL;
ALTER TABLE push_subscriptions ALTER COLUMN session_id SET NOT NULL;
