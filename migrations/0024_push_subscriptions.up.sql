-- 0024_push_subscriptions: Web Push (docs/notifications.md "Push").
--   push_subscriptions: a browser's PushSubscription (its endpoint at the browser's push service
--     and the keys the payload is encrypted to), added by POST /api/v1/me/push-subscriptions and
--     removed by DELETE, by a 404/410 from the push service, and with the account.
--   push_deliveries: one row per notification delivery (the notification outbox row) and
--     subscription, written and committed BEFORE the request goes to the push service, so that
--     nothing is pushed twice: 'started' with no outcome after a crash or a timeout is never tried
--     again; 'retry' (429, 5xx, no connection) is tried again by the outbox's next attempt.
CREATE TABLE push_subscriptions (
    subscription_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,  -- base64url, the 65-byte uncompressed P-256 point
    auth TEXT NOT NULL,    -- base64url, 16 bytes
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    last_used_at TIMESTAMP WITH TIME ZONE
);
CREATE INDEX idx_push_subscriptions_user ON push_subscriptions(user_id);

CREATE TABLE push_deliveries (
    outbox_id UUID NOT NULL,
    subscription_id UUID NOT NULL REFERENCES push_subscriptions(subscription_id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    outcome TEXT NOT NULL CHECK (outcome IN ('started', 'sent', 'retry', 'failed')),
    started_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    status INT,  -- the push service's HTTP status, when it answered
    PRIMARY KEY (outbox_id, subscription_id)
);
CREATE INDEX idx_push_deliveries_started ON push_deliveries(started_at);

-- One user's data: row-level security as on every such table (docs/security.md).
CREATE POLICY own_rows ON push_subscriptions USING (pm_is_system() OR user_id = pm_user_id());
ALTER TABLE push_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE push_subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON push_deliveries USING (pm_is_system() OR user_id = pm_user_id());
ALTER TABLE push_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE push_deliveries FORCE ROW LEVEL SECURITY;
