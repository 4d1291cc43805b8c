-- 0019_monthly_partitions (up): the audit log and messages partitioned by month (issue 13,
-- docs/operations.md).
--
-- audit_log grows with every sign-in and profile view, and only its last PM_ACTIVITY_RETENTION_DAYS
-- are kept: with a partition per month, retention drops whole months (no row-by-row DELETE, no
-- bloat, no vacuum debt) and a query bounded in time reads only its months. messages is the largest
-- table: its indexes stay the size of a month's, and history reads skip the months before the
-- conversation began.
--
-- The machinery is general (any table partitioned by RANGE on one timestamptz column):
--   pm_create_month_partition(parent, month)  a month's partition, named <parent>_yYYYYmMM (UTC
--       months), with any rows of that month moved out of the default partition first
--   pm_ensure_partitions(months_ahead)  this month's and the next months' partitions of every such
--       table; run here, and by the worker every hour (a late worker only means rows wait in the
--       default partition, never a failed insert)
--   pm_drop_partitions_before(parent, cutoff)  detaches and drops the partitions wholly before
--       cutoff, saying how many rows went with them

CREATE FUNCTION pm_create_month_partition(parent regclass, month timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    lo timestamptz := date_trunc('month', month AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    hi timestamptz := (date_trunc('month', month AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
    part text := format('%s_y%sm%s', parent::text, to_char(lo AT TIME ZONE 'UTC', 'YYYY'),
                        to_char(lo AT TIME ZONE 'UTC', 'MM'));
    key text := substring(pg_get_partkeydef(parent) FROM '^RANGE \(([a-z_]+)\)$');
    fallback text := parent::text || '_default';
BEGIN
    IF key IS NULL THEN
        RAISE EXCEPTION '% is not partitioned by range on one column', parent;
    END IF;
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
    -- Rows of that month that arrived before their partition did wait in the default partition:
    -- they move into it (the audit log's append-only trigger lets this one move pass).
    IF to_regclass(fallback) IS NOT NULL THEN
        PERFORM set_config('pm.retention', 'on', true);
        EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *) '
                       'INSERT INTO %I SELECT * FROM moved', fallback, key, lo, key, hi, part);
        PERFORM set_config('pm.retention', 'off', true);
    END IF;
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lo, hi);
    -- Reached through its parent only, whose grants and row-level security apply; the default
    -- privileges would otherwise give the app role the partition itself, around both.
    EXECUTE format('REVOKE ALL ON %I FROM PUBLIC, pm_app, pm_analytics', part);
    RETURN true;
END $$;

CREATE FUNCTION pm_ensure_partitions(months_ahead INT) RETURNS INT
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    parent regclass;
    made INT := 0;
BEGIN
    FOR parent IN SELECT partrelid::regclass FROM pg_partitioned_table p
                  JOIN pg_class c ON c.oid = p.partrelid WHERE c.relnamespace = 'public'::regnamespace LOOP
        FOR i IN 0 .. greatest(months_ahead, 0) LOOP
            IF pm_create_month_partition(parent, now() + make_interval(months => i)) THEN
                made := made + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN made;
END $$;

CREATE FUNCTION pm_drop_partitions_before(parent regclass, cutoff timestamptz) RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part regclass;
    upper_bound timestamptz;
    n BIGINT;
    dropped BIGINT := 0;
BEGIN
    FOR part, upper_bound IN
        SELECT i.inhrelid::regclass,
               substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = parent AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
    LOOP
        CONTINUE WHEN upper_bound > cutoff;
        EXECUTE format('SELECT count(*) FROM %s', part) INTO n;
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', parent, part);
        EXECUTE format('DROP TABLE %s', part);
        dropped := dropped + n;
    END LOOP;
    RETURN dropped;
END $$;

REVOKE EXECUTE ON FUNCTION pm_create_month_partition(regclass, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pm_drop_partitions_before(regclass, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pm_ensure_partitions(INT) FROM PUBLIC;
-- The worker creates the coming months' partitions; dropping is retention's alone (below).
GRANT EXECUTE ON FUNCTION pm_ensure_partitions(INT) TO pm_app;

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

-- The audit log, as it was, partitioned by created_at. Its rows move over; its id sequence stays.
ALTER TABLE audit_log RENAME TO audit_log_before_0019;
ALTER INDEX audit_log_pkey RENAME TO audit_log_before_0019_pkey;
ALTER INDEX idx_audit_log_user RENAME TO idx_audit_log_before_0019_user;
ALTER INDEX idx_audit_log_created_at RENAME TO idx_audit_log_before_0019_created_at;
ALTER INDEX idx_audit_log_subject RENAME TO idx_audit_log_before_0019_subject;

CREATE TABLE audit_log (LIKE audit_log_before_0019 INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (created_at);
-- (A partitioned table's unique keys include the partition key; audit_id alone stays unique by
-- its sequence.)
ALTER TABLE audit_log ADD PRIMARY KEY (audit_id, created_at);
ALTER SEQUENCE audit_log_audit_id_seq OWNED BY audit_log.audit_id;
CREATE INDEX idx_audit_log_user ON audit_log(user_id, created_at DESC);
CREATE INDEX idx_audit_log_created_at ON audit_log(created_at);
CREATE INDEX idx_audit_log_subject ON audit_log(subject_id, created_at DESC) WHERE subject_id IS NOT NULL;
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
REVOKE ALL ON audit_log_default FROM PUBLIC, pm_app, pm_analytics;
SELECT pg_temp.copy_privileges('audit_log_before_0019', 'audit_log');

SELECT pm_create_month_partition('audit_log', m)
FROM generate_series(date_trunc('month', coalesce((SELECT min(created_at) FROM audit_log_before_0019), now())), now(),
                     interval '1 month') m;
SELECT pm_ensure_partitions(3);
INSERT INTO audit_log SELECT * FROM audit_log_before_0019;
DROP TABLE audit_log_before_0019;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION pm_audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION pm_audit_log_append_only();

-- Messages, as they were, partitioned by sent_at (now NOT NULL: every row has had it). Unique keys
-- of a partitioned table include the partition key: the primary key is (message_id, sent_at), and
-- (conversation_id, seq) is no longer a unique index; its uniqueness never depended on the index
-- (each message takes its conversation's next number under the conversation row's lock, 0010).
-- message_documents carries sent_at too, so that its foreign key can reach a message's row (and follow it,
-- should a sent_at ever be changed).
ALTER TABLE message_documents ADD COLUMN sent_at TIMESTAMP WITH TIME ZONE;
UPDATE messages SET sent_at = now() WHERE sent_at IS NULL;
UPDATE message_documents d SET sent_at = m.sent_at FROM messages m WHERE m.message_id = d.message_id;
ALTER TABLE message_documents ALTER COLUMN sent_at SET NOT NULL;
ALTER TABLE message_documents DROP CONSTRAINT message_documents_message_id_fkey;

ALTER TABLE messages RENAME TO messages_before_0019;
ALTER INDEX messages_pkey RENAME TO messages_before_0019_pkey;
ALTER INDEX idx_messages_conversation_id RENAME TO idx_messages_before_0019_conversation_id;
ALTER INDEX idx_messages_sender_id RENAME TO idx_messages_before_0019_sender_id;
ALTER INDEX idx_messages_sent_at RENAME TO idx_messages_before_0019_sent_at;
ALTER INDEX idx_messages_read_status RENAME TO idx_messages_before_0019_read_status;
ALTER INDEX idx_messages_conversation_seq RENAME TO idx_messages_before_0019_conversation_seq;
ALTER INDEX idx_messages_unread RENAME TO idx_messages_before_0019_unread;

CREATE TABLE messages (LIKE messages_before_0019 INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (sent_at);
ALTER TABLE messages ALTER COLUMN sent_at SET NOT NULL;
ALTER TABLE messages ADD PRIMARY KEY (message_id, sent_at);
ALTER TABLE messages ADD FOREIGN KEY (conversation_id) REFERENCES conversations(conversation_id) ON DELETE CASCADE;
ALTER TABLE messages ADD FOREIGN KEY (sender_id) REFERENCES users(user_id) ON DELETE CASCADE;
CREATE INDEX idx_messages_conversation_id ON messages(conversation_id);
CREATE INDEX idx_messages_sender_id ON messages(sender_id);
CREATE INDEX idx_messages_sent_at ON messages(sent_at DESC);
CREATE INDEX idx_messages_read_status ON messages(read_at) WHERE read_at IS NULL;
CREATE INDEX idx_messages_conversation_seq ON messages(conversation_id, seq);
CREATE INDEX idx_messages_unread ON messages(conversation_id, sender_id) WHERE read_at IS NULL;
CREATE TABLE messages_default PARTITION OF messages DEFAULT;
REVOKE ALL ON messages_default FROM PUBLIC, pm_app, pm_analytics;
SELECT pg_temp.copy_privileges('messages_before_0019', 'messages');

SELECT pm_create_month_partition('messages', m)
FROM generate_series(date_trunc('month', coalesce((SELECT min(sent_at) FROM messages_before_0019), now())), now(),
                     interval '1 month') m;
SELECT pm_ensure_partitions(3);
INSERT INTO messages SELECT * FROM messages_before_0019;
ALTER TABLE message_documents ADD CONSTRAINT message_documents_message_id_fkey FOREIGN KEY (message_id, sent_at)
    REFERENCES messages(message_id, sent_at) ON UPDATE CASCADE ON DELETE CASCADE;
DROP TABLE messages_before_0019;

-- Row-level security as 0011 set it: a pair's rows, and every row for the analytics role.
ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY pair_rows ON messages USING (pm_is_system() OR conversation_id IN (
    SELECT c.conversation_id FROM conversations c JOIN matches m ON m.match_id = c.match_id
    WHERE pm_user_id() IN (m.user_id_1, m.user_id_2)));
CREATE POLICY analytics_read ON messages FOR SELECT TO pm_analytics USING (true);
GRANT SELECT (sent_at) ON message_documents TO pm_analytics;

-- Retention as before (0012), with the audit log's expired months dropped whole; what remains
-- expired (in the month that straddles the cutoff, or in the default partition) is deleted.
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

    n := pm_drop_partitions_before('audit_log', cutoff);
    DELETE FROM audit_log WHERE created_at < cutoff;
    GET DIAGNOSTICS deleted = ROW_COUNT; what := 'audit_log'; deleted := deleted + n; RETURN NEXT;
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
