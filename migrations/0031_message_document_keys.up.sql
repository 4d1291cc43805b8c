-- 0031_message_document_keys (docs/schema.md, docs/benchmarks.md):
--   message_documents keeps its key to its message (ON UPDATE/DELETE CASCADE) and loses its own
--   keys to conversations and users. The message's keys already tie it to both (a conversation's
--   or a user's deletion removes the message, and the message its document), and the send writes
--   the document's conversation, sender and recipient from the conversation row it has locked.
--   Every message sent checked the three keys: half of a send's foreign-key checks. The indexes
--   stay (the client-id lookup and a recipient's messages read them); so does the row policy.
ALTER TABLE message_documents
    DROP CONSTRAINT message_documents_conversation_id_fkey1,
    DROP CONSTRAINT message_documents_sender_id_fkey1,
    DROP CONSTRAINT message_documents_recipient_id_fkey1;
