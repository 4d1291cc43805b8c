-- 0010_messaging_engine (down): undoes 0010_messaging_engine.up.sql.
DROP INDEX idx_messages_unread;
DROP INDEX idx_messages_conversation_seq;
ALTER TABLE messages DROP COLUMN seq;
ALTER TABLE conversations DROP CONSTRAINT valid_close_reason;
ALTER TABLE conversations DROP COLUMN close_reason;
ALTER TABLE conversations DROP COLUMN closed_by;
ALTER TABLE conversations DROP COLUMN closed_at;
ALTER TABLE conversations DROP COLUMN last_seq;
