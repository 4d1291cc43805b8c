-- 0010_messaging_engine (up): what the Messaging Service needs beyond the seed.

-- One order per conversation that every client sees the same way: each message takes the next
-- number of its conversation, assigned under the conversation row's lock in the sending
-- transaction. Reconnecting clients resume "after" the last number they saw.
ALTER TABLE conversations ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;
-- Unmatching or a block closes the conversation for both: no more sends; history stays readable
-- (for a block, by the blocker only, e.g. for a report).
ALTER TABLE conversations ADD COLUMN closed_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE conversations ADD COLUMN closed_by UUID REFERENCES users(user_id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN close_reason VARCHAR(20);
ALTER TABLE conversations ADD CONSTRAINT valid_close_reason CHECK (close_reason IS NULL OR close_reason IN ('unmatched', 'blocked'));

ALTER TABLE messages ADD COLUMN seq BIGINT;
CREATE UNIQUE INDEX idx_messages_conversation_seq ON messages(conversation_id, seq);
-- Unread counts: the other user's messages not read yet, per conversation.
CREATE INDEX idx_messages_unread ON messages(conversation_id, sender_id) WHERE read_at IS NULL;
