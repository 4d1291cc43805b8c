-- 0017_reserved (down): nothing (see 0017_reserved.up.sql: a placeholder to delete at merge).
SELECT 1;
