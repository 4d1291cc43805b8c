-- 0048_retention_floor (up): the retention that the app role may run keeps at least 30 days.
-- pm_enforce_retention(days) ran as the owner for whoever could execute it, the app role included,
-- and took any days >= 1: with the app's credentials (a stolen config, an injection) one call
-- erased every audit entry older than a day, sign-ins and staff actions with them, though the
-- audit log is append-only to that role (docs/security.md "Retention"). The sweep itself is now
-- pm_retention_sweep, which only the owner may run; pm_enforce_retention refuses fewer than 30
-- days, then runs it. (A later change to what retention deletes replaces pm_retention_sweep.)
ALTER FUNCTION pm_enforce_retention(INT) RENAME TO pm_retention_sweep;
REVOKE EXECUTE ON FUNCTION pm_retention_sweep(INT) FROM PUBLIC, pm_app;

CREATE FUNCTION pm_enforce_retention(days INT) RETURNS TABLE (what TEXT, deleted BIGINT)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF days IS NULL OR days < 30 THEN
        RAISE EXCEPTION 'retention must be at least 30 days (got %)', days;
    END IF;
    RETURN QUERY SELECT s.what, s.deleted FROM pm_retention_sweep(days) s;
END $$;
REVOKE EXECUTE ON FUNCTION pm_enforce_retention(INT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pm_enforce_retention(INT) TO pm_app;
