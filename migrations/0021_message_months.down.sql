-- 0021_message_months (down): message_documents as one table again, every row kept, its
-- client-message-id index unique without sent_at again; message retention by batches only.

DROP FUNCTION pm_drop_expired_message_months(INT);

ALTER TABLE message_documents DROP CONSTRAINT message_documents_message_id_fkey;
ALTER TABLE message_documents RENAME TO message_documents_partitioned;
ALTER INDEX message_documents_pkey RENAME TO message_documents_partitioned_pkey;
ALTER INDEX idx_message_documents_client_message_id RENAME TO idx_message_documents_partitioned_client_message_id;
ALTER INDEX idx_message_documents_recipient_id RENAME TO idx_message_documents_partitioned_recipient_id;

CREATE TABLE message_documents (LIKE message_documents_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE message_documents ADD PRIMARY KEY (message_id);
ALTER TABLE message_documents ADD FOREIGN KEY (conversation_id) REFERENCES conversations(conversation_id) ON DELETE CASCADE;
ALTER TABLE message_documents ADD FOREIGN KEY (sender_id) REFERENCES users(user_id) ON DELETE CASCADE;
ALTER TABLE message_documents ADD FOREIGN KEY (recipient_id) REFERENCES users(user_id) ON DELETE CASCADE;
SELECT pm_copy_privileges('message_documents_partitioned', 'message_documents');
INSERT INTO message_documents SELECT * FROM message_documents_partitioned;
DROP TABLE message_documents_partitioned;
CREATE UNIQUE INDEX idx_message_documents_client_message_id
    ON message_documents(conversation_id, sender_id, (metadata->>'clientMessageId'))
    WHERE metadata ? 'clientMessageId';
CREATE INDEX idx_message_documents_recipient_id ON message_documents(recipient_id);
ALTER TABLE message_documents ADD CONSTRAINT message_documents_message_id_fkey FOREIGN KEY (message_id, sent_at)
    REFERENCES messages(message_id, sent_at) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE message_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE message_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY pair_rows ON message_documents USING (pm_is_system() OR pm_user_id() IN (sender_id, recipient_id));
CREATE POLICY analytics_read ON message_documents FOR SELECT TO pm_analytics USING (true);
