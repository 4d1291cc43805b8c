-- 0005_messaging (up): messaging.
--   conversations, messages, notifications: the seed's Messaging Schema, verbatim.
--   message_documents: the document-only part of the seed's MongoDB "Message Collection"
--     (recipientId, reactions, metadata), one row per messages row; the fields the
--     messages table already has (type, content, media, sent/read times) stay there.

-- Conversation Table
CREATE TABLE conversations (
    conversation_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    match_id UUID NOT NULL REFERENCES matches(match_id) ON DELETE CASCADE,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    last_message_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    
    CONSTRAINT unique_match_conversation UNIQUE (match_id)
);

CREATE INDEX idx_conversations_match_id ON conversations(match_id);
CREATE INDEX idx_conversations_last_message ON conversations(last_message_at DESC);

-- Message Table
CREATE TABLE messages (
    message_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    conversation_id UUID NOT NULL REFERENCES conversations(conversation_id) ON DELETE CASCADE,
    sender_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    message_type VARCHAR(50) NOT NULL DEFAULT 'text',
    content TEXT,
    media_url VARCHAR(255),
    sent_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    read_at TIMESTAMP WITH TIME ZONE,
    
    CONSTRAINT valid_message_type CHECK (message_type IN ('text', 'image', 'reaction'))
);

CREATE INDEX idx_messages_conversation_id ON messages(conversation_id);
CREATE INDEX idx_messages_sender_id ON messages(sender_id);
CREATE INDEX idx_messages_sent_at ON messages(sent_at DESC);
CREATE INDEX idx_messages_read_status ON messages(read_at) WHERE read_at IS NULL;

-- Notification Table
CREATE TABLE notifications (
    notification_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    type VARCHAR(50) NOT NULL,
    content JSONB NOT NULL,
    is_read BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE INDEX idx_notifications_user_id ON notifications(user_id);
CREATE INDEX idx_notifications_type ON notifications(type);
CREATE INDEX idx_notifications_created_at ON notifications(created_at DESC);
CREATE INDEX idx_notifications_read_status ON notifications(is_read);

-- Message Collection (document part), as a jsonb table.
CREATE TABLE message_documents (
    message_id UUID PRIMARY KEY REFERENCES messages(message_id) ON DELETE CASCADE,
    -- conversation_id and sender_id repeat the messages row so the idempotency index below
    -- can live on this table alone.
    conversation_id UUID NOT NULL REFERENCES conversations(conversation_id) ON DELETE CASCADE,
    sender_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    recipient_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    reactions JSONB NOT NULL DEFAULT '[]',
    -- isDeleted, clientMessageId, appVersion.
    metadata JSONB NOT NULL DEFAULT '{}',
    schema_version INT NOT NULL DEFAULT 1,

    CONSTRAINT valid_message_reactions CHECK (jsonb_typeof(reactions) = 'array'),
    CONSTRAINT valid_message_metadata CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT valid_message_schema_version CHECK (schema_version >= 1)
);

-- A client's retry with the same clientMessageId must find the original message,
-- never insert a second one.
CREATE UNIQUE INDEX idx_message_documents_client_message_id
    ON message_documents(conversation_id, sender_id, (metadata->>'clientMessageId'))
    WHERE metadata ? 'clientMessageId';
-- A recipient's unread messages and notifications start from recipient_id.
CREATE INDEX idx_message_documents_recipient_id ON message_documents(recipient_id);
