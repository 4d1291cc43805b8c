-- 0017_reserved: a placeholder. Number 0017 belongs to another branch (feature flags); the
-- migration runner refuses a gap, so this branch carries an empty 0017 until that one is merged.
-- DELETE THIS FILE (and its .down.sql) WHEN MERGING THE BRANCH THAT HAS THE REAL 0017.
SELECT 1;
