-- 0011_roles_and_row_security (down): no row-level security, no grants to the app and analytics
-- roles. The roles themselves stay: they are the cluster's, shared by every database on it.

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
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS analytics_read ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS own_rows ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS visible_profiles ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS pair_rows ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS both_sides_read ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS blocker_rows ON %I', t);
    END LOOP;
END $$;
DROP FUNCTION pm_user_id();
DROP FUNCTION pm_is_system();

ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM pm_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM pm_app;
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S')
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                                     AND d.deptype = 'e')
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM pm_app, pm_analytics', t);
    END LOOP;
END $$;
REVOKE USAGE ON SCHEMA public FROM pm_app, pm_analytics;
