-- 0014_chat_uploads: an image uploaded for a chat but never sent is found and deleted. A row is
-- written when POST /conversations/{id}/media stores the image and removed when a message sends
-- it; the worker deletes the images (and rows) of uploads left unsent for a day.
CREATE TABLE chat_uploads (
    media_key TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    conversation_id UUID NOT NULL REFERENCES conversations(conversation_id) ON DELETE CASCADE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_chat_uploads_created ON chat_uploads(created_at);

-- One user's data: row-level security as on every such table (docs/security.md).
CREATE POLICY own_rows ON chat_uploads USING (pm_is_system() OR user_id = pm_user_id());
ALTER TABLE chat_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE chat_uploads FORCE ROW LEVEL SECURITY;
