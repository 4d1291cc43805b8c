-- 0050_foreign_key_indexes (down): the foreign keys' indexes dropped again.
DROP INDEX idx_push_deliveries_subscription;
DROP INDEX idx_push_deliveries_user;
DROP INDEX idx_email_outbox_user;
DROP INDEX idx_user_reports_reporter;
DROP INDEX idx_user_reports_reported;
DROP INDEX idx_user_reports_resolved_by;
DROP INDEX idx_conversations_closed_by;
DROP INDEX idx_chat_uploads_conversation;
DROP INDEX idx_chat_uploads_user;
DROP INDEX idx_feature_flags_updated_by;
