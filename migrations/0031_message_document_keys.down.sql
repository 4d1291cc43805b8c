-- 0031_message_document_keys (down): undoes 0031_message_document_keys.up.sql, with 0021's names.
ALTER TABLE message_documents
    ADD CONSTRAINT message_documents_conversation_id_fkey1
        FOREIGN KEY (conversation_id) REFERENCES conversations(conversation_id) ON DELETE CASCADE,
    ADD CONSTRAINT message_documents_sender_id_fkey1
        FOREIGN KEY (sender_id) REFERENCES users(user_id) ON DELETE CASCADE,
    ADD CONSTRAINT message_documents_recipient_id_fkey1
        FOREIGN KEY (recipient_id) REFERENCES users(user_id) ON DELETE CASCADE;
