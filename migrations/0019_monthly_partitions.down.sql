-- 0019_monthly_partitions (down): the audit log and messages as one table each again, every row
-- kept; retention as 0012 wrote it; the partition functions gone.

-- The grants of a table on its replacement (and none beyond them: the default privileges give the
-- app role everything on a new table), table and column ones. For this migration only.
CREATE OR REPLACE FUNCTION pg_temp.copy_privileges(src regclass, dst regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    a record;
BEGIN
    EXECUTE format('REVOKE ALL ON %s FROM PUBLIC, pm_app, pm_analytics', dst);
    FOR a IN SELECT x.grantee::regrole::text AS grantee, x.privilege_type
             FROM pg_class c, aclexplode(c.relacl) x
             WHERE c.oid = src AND x.grantee <> 0 AND x.grantee <> c.relowner LOOP
        EXECUTE format('GRANT %s ON %s TO %I', a.privilege_type, dst, a.grantee);
    END LOOP;
    FOR a IN SELECT att.attname, x.grantee::regrole::text AS grantee, x.privilege_type
             FROM pg_attribute att, aclexplode(att.attacl) x
             WHERE att.attrelid = src AND att.attacl IS NOT NULL AND x.grantee <> 0 LOOP
        EXECUTE format('GRANT %s (%I) ON %s TO %I', a.privilege_type, a.attname, dst, a.grantee);
    END LOOP;
END $$;

-- Messages as one table again, every row kept, and message_documents without sent_at.
ALTER TABLE message_documents DROP CONSTRAINT message_documents_message_id_fkey;
ALTER TABLE messages RENAME TO messages_partitioned;
ALTER INDEX messages_pkey RENAME TO messages_partitioned_pkey;
ALTER INDEX idx_messages_conversation_id RENAME TO idx_messages_partitioned_conversation_id;
ALTER INDEX idx_messages_sender_id RENAME TO idx_messages_partitioned_sender_id;
ALTER INDEX idx_messages_sent_at RENAME TO idx_messages_partitioned_sent_at;
ALTER INDEX idx_messages_read_status RENAME TO idx_messages_partitioned_read_status;
ALTER INDEX idx_messages_conversation_seq RENAME TO idx_messages_partitioned_conversation_seq;
ALTER INDEX idx_messages_unread RENAME TO idx_messages_partitioned_unread;

CREATE TABLE messages (LIKE messages_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE messages ALTER COLUMN sent_at DROP NOT NULL;
ALTER TABLE messages ADD PRIMARY KEY (message_id);
ALTER TABLE messages ADD FOREIGN KEY (conversation_id) REFERENCES conversations(conversation_id) ON DELETE CASCADE;
ALTER TABLE messages ADD FOREIGN KEY (sender_id) REFERENCES users(user_id) ON DELETE CASCADE;
SELECT pg_temp.copy_privileges('messages_partitioned', 'messages');
INSERT INTO messages SELECT * FROM messages_partitioned;
DROP TABLE messages_partitioned;
CREATE INDEX idx_messages_conversation_id ON messages(conversation_id);
CREATE INDEX idx_messages_sender_id ON messages(sender_id);
CREATE INDEX idx_messages_sent_at ON messages(sent_at DESC);
CREATE INDEX idx_messages_read_status ON messages(read_at) WHERE read_at IS NULL;
CREATE UNIQUE INDEX idx_messages_conversation_seq ON messages(conversation_id, seq);
CREATE INDEX idx_messages_unread ON messages(conversation_id, sender_id) WHERE read_at IS NULL;
ALTER TABLE message_documents ADD CONSTRAINT message_documents_message_id_fkey FOREIGN KEY (message_id)
    REFERENCES messages(message_id) ON DELETE CASCADE;
ALTER TABLE message_documents DROP COLUMN sent_at;
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY pair_rows ON messages USING (pm_is_system() OR conversation_id IN (
    SELECT c.conversation_id FROM conversations c JOIN matches m ON m.match_id = c.match_id
    WHERE pm_user_id() IN (m.user_id_1, m.user_id_2)));
CREATE POLICY analytics_read ON messages FOR SELECT TO pm_analytics USING (true);

-- The audit log as one table again.
ALTER TABLE audit_log RENAME TO audit_log_partitioned;
ALTER INDEX audit_log_pkey RENAME TO audit_log_partitioned_pkey;
ALTER INDEX idx_audit_log_user RENAME TO idx_audit_log_partitioned_user;
ALTER INDEX idx_audit_log_created_at RENAME TO idx_audit_log_partitioned_created_at;
ALTER INDEX idx_audit_log_subject RENAME TO idx_audit_log_partitioned_subject;

CREATE TABLE audit_log (LIKE audit_log_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE audit_log ADD PRIMARY KEY (audit_id);
SELECT pg_temp.copy_privileges('audit_log_partitioned', 'audit_log');
ALTER SEQUENCE audit_log_audit_id_seq OWNED BY audit_log.audit_id;
INSERT INTO audit_log SELECT * FROM audit_log_partitioned;
-- (the partitions go with their table; the append-only triggers would refuse a DELETE or TRUNCATE, not a DROP)
DROP TABLE audit_log_partitioned;
CREATE INDEX idx_audit_log_user ON audit_log(user_id, created_at DESC);
CREATE INDEX idx_audit_log_created_at ON audit_log(created_at);
CREATE INDEX idx_audit_log_subject ON audit_log(subject_id, created_at DESC) WHERE subject_id IS NOT NULL;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION pm_audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION pm_audit_log_append_only();

CREATE OR REPLACE FUNCTION pm_enforce_retention(days INT) RETURNS TABLE (what TEXT, deleted BIGINT)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cutoff TIMESTAMPTZ;
    was_system TEXT := coalesce(current_setting('pm.system', true), '');
    n BIGINT;
BEGIN
    IF days IS NULL OR days < 1 THEN
        RAISE EXCEPTION 'retention must be at least one day (got %)', days;
    END IF;
    cutoff := now() - make_interval(days => days);
    PERFORM set_config('pm.system', 'on', true);
    PERFORM set_config('pm.retention', 'on', true);

    DELETE FROM audit_log WHERE created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'audit_log'; deleted := n; RETURN NEXT;
    DELETE FROM jobs WHERE status IN ('done', 'failed') AND coalesce(finished_at, created_at) < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'jobs'; deleted := n; RETURN NEXT;
    DELETE FROM auth_tokens WHERE (used_at IS NOT NULL OR expires_at < now()) AND created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'auth_tokens'; deleted := n; RETURN NEXT;
    DELETE FROM email_outbox WHERE sent_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'email_outbox'; deleted := n; RETURN NEXT;
    DELETE FROM notification_outbox WHERE coalesce(sent_at, failed_at) < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'notification_outbox'; deleted := n; RETURN NEXT;
    DELETE FROM notifications WHERE is_read IS TRUE AND created_at < cutoff;
    GET DIAGNOSTICS n = ROW_COUNT; what := 'notifications'; deleted := n; RETURN NEXT;

    PERFORM set_config('pm.retention', 'off', true);
    PERFORM set_config('pm.system', CASE WHEN was_system = 'on' THEN 'on' ELSE 'off' END, true);
END $$;

DROP FUNCTION pm_ensure_partitions(INT);
DROP FUNCTION pm_drop_partitions_before(regclass, timestamptz);
DROP FUNCTION pm_create_month_partition(regclass, timestamptz);
