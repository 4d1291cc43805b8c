-- 0036_credentials_version (down): undoes 0036_credentials_version.up.sql.
ALTER TABLE users DROP COLUMN credentials_version;
