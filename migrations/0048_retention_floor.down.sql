-- 0048_retention_floor (down): pm_enforce_retention as 0047 left it (any days >= 1).
DROP FUNCTION pm_enforce_retention(INT);
ALTER FUNCTION pm_retention_sweep(INT) RENAME TO pm_enforce_retention;
GRANT EXECUTE ON FUNCTION pm_enforce_retention(INT) TO pm_app;
