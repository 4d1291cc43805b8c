-- What a PostgreSQL superuser does once before `perfectmatch migrate` runs as the owner role
-- (docs/security.md). `./pm stack up` runs it in the perfectmatch database (then sets the roles'
-- passwords), the tests in their template database. Idempotent.
--
--   pm_owner      owns the schema and every table; `migrate` connects as it (PM_MIGRATE_DATABASE_URL)
--   pm_app        serve, worker and the other commands (PM_DATABASE_URL); owns nothing
--   pm_analytics  read-only, some columns hidden (migrations/0011)
-- None is a superuser, none may create roles or databases, none bypasses row-level security.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['pm_owner', 'pm_app', 'pm_analytics'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I', r);
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', r);
    END LOOP;
END $$;

-- PostGIS is not a trusted extension: only a superuser installs it (0001 then finds them all).
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS postgis;

-- The owner role owns the database and its schema; what a superuser migrated before the owner
-- role existed (tables, views, sequences of their own, functions; not the extensions' objects)
-- moves to it.
DO $$
DECLARE
    r record;
BEGIN
    EXECUTE format('ALTER DATABASE %I OWNER TO pm_owner', current_database());
    ALTER SCHEMA public OWNER TO pm_owner;
    FOR r IN
        SELECT c.oid::regclass AS name FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
          AND c.relowner <> 'pm_owner'::regrole
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                                     AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO pm_owner', r.name);
    END LOOP;
    FOR r IN
        SELECT c.oid::regclass AS name FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S' AND c.relowner <> 'pm_owner'::regrole
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                                     AND d.deptype IN ('e', 'a', 'i'))
    LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO pm_owner', r.name);
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> 'pm_owner'::regrole
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                                     AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO pm_owner', r.name);
    END LOOP;
END $$;
