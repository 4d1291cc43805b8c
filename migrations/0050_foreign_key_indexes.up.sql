-- 0050_foreign_key_indexes (docs/schema.md "Indexes"):
--   An index led by each foreign key's column that had none. Deleting the row a key points at
--   (an account, a push subscription, a conversation) makes PostgreSQL find the rows that name it,
--   to cascade or set them to NULL: without an index that is a scan of the whole table, on every
--   sign-out (the session's push subscription, and push_deliveries keeps a row per push for 30
--   days) and for every table below on an account's deletion. Test:
--   Schema.EveryForeignKeyLeadsAnIndex.
CREATE INDEX idx_push_deliveries_subscription ON push_deliveries(subscription_id);
CREATE INDEX idx_push_deliveries_user ON push_deliveries(user_id);
CREATE INDEX idx_email_outbox_user ON email_outbox(user_id);
CREATE INDEX idx_user_reports_reporter ON user_reports(reporter_id);
CREATE INDEX idx_user_reports_reported ON user_reports(reported_id);
CREATE INDEX idx_user_reports_resolved_by ON user_reports(resolved_by);
CREATE INDEX idx_conversations_closed_by ON conversations(closed_by);
CREATE INDEX idx_chat_uploads_conversation ON chat_uploads(conversation_id);
CREATE INDEX idx_chat_uploads_user ON chat_uploads(user_id);
CREATE INDEX idx_feature_flags_updated_by ON feature_flags(updated_by);
