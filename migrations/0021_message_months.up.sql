-- 0021_message_months (up): message_documents partitioned by month like messages (0019), so that
-- message retention drops whole expired months of both (issue 13, docs/operations.md), with the
-- photos of those months removed from storage by the worker once the drop has committed.
--
-- A message's document lives in the same month's partition as its message (both by sent_at;
-- the foreign key follows a changed sent_at). The client-message-id index becomes unique per
-- (conversation, sender, client id, sent_at): a partitioned table's unique indexes include the
-- partition key. What keeps a retried send from storing a second message was never the index
-- alone: each send looks the client id up under its conversation row's lock (0010,
-- messaging/service.cpp), so retries are found whatever their month.

ALTER TABLE message_documents RENAME TO message_documents_before_0021;
ALTER INDEX message_documents_pkey RENAME TO message_documents_before_0021_pkey;
ALTER INDEX idx_message_documents_client_message_id RENAME TO idx_message_documents_before_0021_client_message_id;
ALTER INDEX idx_message_documents_recipient_id RENAME TO idx_message_documents_before_0021_recipient_id;

CREATE TABLE message_documents (LIKE message_documents_before_0021 INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (sent_at);
ALTER TABLE message_documents ADD PRIMARY KEY (message_id, sent_at);
ALTER TABLE message_documents ADD FOREIGN KEY (conversation_id) REFERENCES conversations(conversation_id) ON DELETE CASCADE;
ALTER TABLE message_documents ADD FOREIGN KEY (sender_id) REFERENCES users(user_id) ON DELETE CASCADE;
ALTER TABLE message_documents ADD FOREIGN KEY (recipient_id) REFERENCES users(user_id) ON DELETE CASCADE;
CREATE UNIQUE INDEX idx_message_documents_client_message_id
    ON message_documents(conversation_id, sender_id, (metadata->>'clientMessageId'), sent_at)
    WHERE metadata ? 'clientMessageId';
CREATE INDEX idx_message_documents_recipient_id ON message_documents(recipient_id);
CREATE TABLE message_documents_default PARTITION OF message_documents DEFAULT;
REVOKE ALL ON message_documents_default FROM PUBLIC, pm_app, pm_analytics;
SELECT pm_copy_privileges('message_documents_before_0021', 'message_documents');

-- The same months as messages has.
SELECT pm_create_month_partition('message_documents', lower_bound)
FROM (SELECT substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \(''([^'']+)''\)')::timestamptz AS lower_bound
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'messages'::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT') months;
INSERT INTO message_documents SELECT * FROM message_documents_before_0021;
DROP TABLE message_documents_before_0021;
ALTER TABLE message_documents ADD CONSTRAINT message_documents_message_id_fkey FOREIGN KEY (message_id, sent_at)
    REFERENCES messages(message_id, sent_at) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE message_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE message_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY pair_rows ON message_documents USING (pm_is_system() OR pm_user_id() IN (sender_id, recipient_id));
CREATE POLICY analytics_read ON message_documents FOR SELECT TO pm_analytics USING (true);

-- Message retention's first step (the worker's, as the app role): every month of messages that
-- ends before the cutoff goes whole, documents first (they reference the messages), and the
-- photos of those months are returned for the worker to remove from storage after commit (a crash
-- in between leaves orphaned objects, never a message without its photo). Rows past the cutoff in
-- the month that straddles it, or in the default partition, are the worker's batches' (as before).
CREATE FUNCTION pm_drop_expired_message_months(days INT) RETURNS TABLE (dropped_messages BIGINT, media_keys TEXT[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cutoff TIMESTAMPTZ;
    month_end TIMESTAMPTZ;
    was_system TEXT := coalesce(current_setting('pm.system', true), '');
BEGIN
    IF days IS NULL OR days < 1 THEN
        RAISE EXCEPTION 'retention must be at least one day (got %)', days;
    END IF;
    cutoff := now() - make_interval(days => days);
    -- The end of the last month that lies wholly before the cutoff: what the drops below take.
    month_end := date_trunc('month', cutoff AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    PERFORM set_config('pm.system', 'on', true);
    media_keys := coalesce((SELECT array_agg(m.media_url) FROM messages m
                            WHERE m.sent_at < month_end AND m.media_url IS NOT NULL
                              AND m.tableoid <> 'messages_default'::regclass), '{}');
    PERFORM pm_drop_partitions_before('message_documents', cutoff);
    dropped_messages := pm_drop_partitions_before('messages', cutoff);
    PERFORM set_config('pm.system', CASE WHEN was_system = 'on' THEN 'on' ELSE 'off' END, true);
    RETURN NEXT;
END $$;
REVOKE EXECUTE ON FUNCTION pm_drop_expired_message_months(INT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pm_drop_expired_message_months(INT) TO pm_app;
