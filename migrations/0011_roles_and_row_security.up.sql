-- 0011_roles_and_row_security (up): least-privilege roles and row-level security (issue 11;
-- docs/security.md is the reference).
--
-- Roles (cluster-wide, created here only where missing: `./pm stack up` creates them first, with
-- their passwords, from deps/postgres-bootstrap.sql, and in production an administrator does):
--   the owner     whoever runs `perfectmatch migrate` (pm_owner on the local stack): owns every
--                 table, runs DDL. Nothing else connects as it.
--   pm_app        `serve`, `worker` and the other commands: SELECT/INSERT/UPDATE/DELETE where needed,
--                 no DDL, no TRUNCATE, owns nothing; audit_log INSERT and SELECT only.
--   pm_analytics  read-only, every table but not the columns that hold encrypted PII, secrets,
--                 message content or free text about a person.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pm_app') THEN
        CREATE ROLE pm_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pm_analytics') THEN
        CREATE ROLE pm_analytics NOLOGIN;
    END IF;
END $$;

GRANT USAGE ON SCHEMA public TO pm_app, pm_analytics;

-- The app role: DML on every table of the schema (not the extensions' own tables), nothing on the
-- migration history but reading it, and the audit log append-only (0012 adds the trigger).
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                                     AND d.deptype = 'e')
    LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO pm_app', t);
    END LOOP;
END $$;
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM pm_app;
REVOKE UPDATE, DELETE ON audit_log FROM pm_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO pm_app;

-- Tables and sequences later migrations create get the same grants (the audit-log exception and
-- the analytics role's columns are each migration's to state).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pm_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO pm_app;

-- The analytics role: SELECT on each column but those listed here.
DO $$
DECLARE
    t record;
    hidden constant text[] := ARRAY[
        'users.email', 'users.last_name', 'users.email_index', 'users.password_hash', 'users.location_point',
        'messages.content', 'messages.media_url', 'message_documents.metadata',
        'notifications.content', 'notification_outbox.payload',
        'email_outbox.payload', 'email_outbox.last_error',
        'auth_tokens.token_hash', 'oauth_identities.subject',
        'user_reports.details', 'jobs.last_error'];
BEGIN
    FOR t IN
        SELECT c.table_name, string_agg(quote_ident(c.column_name), ', ' ORDER BY c.ordinal_position) AS cols
        FROM information_schema.columns c
        JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = 'public'::regnamespace AND k.relkind IN ('r', 'p')
        WHERE c.table_schema = 'public' AND c.table_name <> 'schema_migrations'
          AND NOT (c.table_name || '.' || c.column_name = ANY (hidden))
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = k.oid
                                                     AND d.deptype = 'e')
        GROUP BY c.table_name
    LOOP
        EXECUTE format('GRANT SELECT (%s) ON %I TO pm_analytics', t.cols, t.table_name);
    END LOOP;
END $$;

-- Row-level security. Each transaction of the app says who it runs for (db/transaction.hpp):
--   pm.user_id  the signed-in user's id ('' when none)
--   pm.system   'on' for system work: the worker, commands, generation, sign-in's look-ups
-- Neither (nobody): no user's row is visible or writable.
CREATE FUNCTION pm_user_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('pm.user_id', true), '')::uuid
$$;
CREATE FUNCTION pm_is_system() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('pm.system', true), '') = 'on'
$$;

-- A user's own rows (user_id).
CREATE POLICY own_rows ON answers USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY own_rows ON questionnaire_responses USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY own_rows ON notifications USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY own_rows ON notification_outbox USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY own_rows ON user_vectors USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY own_rows ON user_embeddings USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY own_rows ON subscription_details USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY own_rows ON auth_tokens USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY own_rows ON oauth_identities USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY own_rows ON email_outbox USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY own_rows ON match_generation_queue USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY own_rows ON user_reports USING (pm_is_system() OR reporter_id = pm_user_id());

-- A profile (users, its photos and preferences) is read by its owner, and by another signed-in
-- user when it is public, when the two have a match (of any status: a past conversation still
-- shows who it was with), or a block between them. Within that, what the API shows (visibility,
-- blocks, privacy settings) is the profiles service's decision. Only the owner writes it;
-- accounts are created by sign-up, a system context.
CREATE POLICY visible_profiles ON users FOR SELECT USING (pm_is_system() OR user_id = pm_user_id() OR (
    pm_user_id() IS NOT NULL AND (
        profile_visibility = 'public'
        OR EXISTS (SELECT FROM matches m
                   WHERE (m.user_id_1 = users.user_id AND m.user_id_2 = pm_user_id())
                      OR (m.user_id_2 = users.user_id AND m.user_id_1 = pm_user_id()))
        OR EXISTS (SELECT FROM user_blocks b
                   WHERE (b.blocker_id = users.user_id AND b.blocked_id = pm_user_id())
                      OR (b.blocked_id = users.user_id AND b.blocker_id = pm_user_id())))));
CREATE POLICY own_rows ON users USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY visible_profiles ON profile_media FOR SELECT USING (pm_is_system() OR user_id = pm_user_id()
    OR EXISTS (SELECT FROM users u WHERE u.user_id = profile_media.user_id));
CREATE POLICY own_rows ON profile_media USING (pm_is_system() OR user_id = pm_user_id());
CREATE POLICY visible_profiles ON user_preferences FOR SELECT USING (pm_is_system() OR user_id = pm_user_id()
    OR EXISTS (SELECT FROM users u WHERE u.user_id = user_preferences.user_id));
CREATE POLICY own_rows ON user_preferences USING (pm_is_system() OR user_id = pm_user_id());

-- A block is seen by both sides (each is hidden from the other), made and lifted by the blocker.
CREATE POLICY both_sides_read ON user_blocks FOR SELECT
    USING (pm_is_system() OR pm_user_id() IN (blocker_id, blocked_id));
CREATE POLICY blocker_rows ON user_blocks USING (pm_is_system() OR blocker_id = pm_user_id());

-- A pair's rows: the two users of the match.
CREATE POLICY pair_rows ON matches USING (pm_is_system() OR pm_user_id() IN (user_id_1, user_id_2));
CREATE POLICY pair_rows ON compatibility_insight_documents
    USING (pm_is_system() OR pm_user_id() IN (user_id_1, user_id_2));
CREATE POLICY pair_rows ON compatibility_insights USING (pm_is_system() OR match_id IN (
    SELECT m.match_id FROM matches m WHERE pm_user_id() IN (m.user_id_1, m.user_id_2)));
CREATE POLICY pair_rows ON match_attributes USING (pm_is_system() OR match_id IN (
    SELECT m.match_id FROM matches m WHERE pm_user_id() IN (m.user_id_1, m.user_id_2)));
CREATE POLICY pair_rows ON conversations USING (pm_is_system() OR match_id IN (
    SELECT m.match_id FROM matches m WHERE pm_user_id() IN (m.user_id_1, m.user_id_2)));
CREATE POLICY pair_rows ON messages USING (pm_is_system() OR conversation_id IN (
    SELECT c.conversation_id FROM conversations c JOIN matches m ON m.match_id = c.match_id
    WHERE pm_user_id() IN (m.user_id_1, m.user_id_2)));
CREATE POLICY pair_rows ON message_documents USING (pm_is_system() OR pm_user_id() IN (sender_id, recipient_id));

-- Enabled and forced (the owner too is bound: a migration that touches rows says pm.system, as
-- the migration runner does), and the analytics role reads every row of the columns it may see.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'user_preferences', 'profile_media', 'subscription_details', 'answers',
        'questionnaire_responses', 'user_vectors', 'user_embeddings', 'matches', 'match_attributes',
        'compatibility_insights', 'compatibility_insight_documents', 'conversations', 'messages',
        'message_documents', 'notifications', 'notification_outbox', 'user_blocks', 'user_reports',
        'email_outbox', 'auth_tokens', 'oauth_identities', 'match_generation_queue']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY analytics_read ON %I FOR SELECT TO pm_analytics USING (true)', t);
    END LOOP;
END $$;
