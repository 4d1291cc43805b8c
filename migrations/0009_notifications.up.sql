-- 0009_notifications (up): what the Notification Service needs beyond the seed's notifications
-- table (0005_messaging), which stays as the seed wrote it apart from one added column.
--
-- "Unread" is `is_read IS NOT TRUE` everywhere: the seed's column is nullable, and a NULL must
-- never make a notification vanish from both the unread and the read side.

-- Coalescing: notifications with a group_key (e.g. message.new grouped by conversation id) are
-- folded into the user's one unread notification of that type and group instead of piling up.
ALTER TABLE notifications ADD COLUMN group_key VARCHAR(200);

-- At most one UNREAD notification per (user, type, group): the service inserts with
-- ON CONFLICT ... DO UPDATE on this index, so two messages arriving at once still make one row.
-- Once read, the row leaves the index and the next message starts a new notification.
CREATE UNIQUE INDEX idx_notifications_unread_group
    ON notifications(user_id, type, group_key)
    WHERE group_key IS NOT NULL AND is_read IS NOT TRUE;

-- A user's list, newest first, paged by the cursor (created_at, notification_id): one index scan
-- per page however deep. Both columns descend, so the row comparison of the cursor is an index bound.
CREATE INDEX idx_notifications_user_created
    ON notifications(user_id, created_at DESC, notification_id DESC);
-- The unread list and unread_count touch only unread rows (few, whatever the history).
CREATE INDEX idx_notifications_user_unread
    ON notifications(user_id, created_at DESC, notification_id DESC)
    WHERE is_read IS NOT TRUE;

-- Delivery of notifications by email and push: one row per (notification, channel), written in
-- the transaction that records the notification (a rolled-back action notifies nobody), then
-- sent by the worker with retries.
CREATE TABLE notification_outbox (
    outbox_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    -- The row goes with its notification and its user (account deletion removes both).
    notification_id UUID NOT NULL REFERENCES notifications(notification_id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    channel VARCHAR(10) NOT NULL,
    -- The notification as it was recorded: what the sender delivers.
    payload JSONB NOT NULL,
    -- Claims so far (a claim counts as an attempt, so a sender that crashes the worker cannot loop forever).
    attempts INT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    -- The lease of the worker sending it: until claimed_until no other worker takes the row;
    -- claimed_by names the claim, so a worker whose lease ran out cannot overwrite a newer claim's result.
    claimed_by UUID,
    claimed_until TIMESTAMP WITH TIME ZONE,
    sent_at TIMESTAMP WITH TIME ZONE,
    -- Set when the attempts ran out: the row is left for inspection, never sent.
    failed_at TIMESTAMP WITH TIME ZONE,
    last_error TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    CONSTRAINT valid_notification_channel CHECK (channel IN ('email', 'push')),
    CONSTRAINT valid_notification_payload CHECK (jsonb_typeof(payload) = 'object'),
    CONSTRAINT valid_notification_attempts CHECK (attempts >= 0),
    -- One delivery per notification and channel, whatever retries or races happen upstream.
    CONSTRAINT unique_notification_channel UNIQUE (notification_id, channel)
);

-- The worker's scan for due rows: only pending ones are indexed, so sent history costs nothing.
CREATE INDEX idx_notification_outbox_due
    ON notification_outbox(next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX idx_notification_outbox_user_id ON notification_outbox(user_id);
