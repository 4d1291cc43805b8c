-- 0030_insight_document_keys (down): undoes 0030_insight_document_keys.up.sql.
ALTER TABLE compatibility_insight_documents
    ADD CONSTRAINT compatibility_insight_documents_user_id_1_fkey
        FOREIGN KEY (user_id_1) REFERENCES users(user_id) ON DELETE CASCADE,
    ADD CONSTRAINT compatibility_insight_documents_user_id_2_fkey
        FOREIGN KEY (user_id_2) REFERENCES users(user_id) ON DELETE CASCADE;
CREATE INDEX idx_insight_documents_user_id_1 ON compatibility_insight_documents(user_id_1);
CREATE INDEX idx_insight_documents_user_id_2 ON compatibility_insight_documents(user_id_2);
