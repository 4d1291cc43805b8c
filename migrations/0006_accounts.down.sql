-- 0006_accounts (down): undoes 0006_accounts.up.sql.
DROP TABLE user_reports;
DROP TABLE user_blocks;
DROP TABLE audit_log;
DROP TABLE email_outbox;
DROP TABLE oauth_identities;
DROP TABLE auth_tokens;
ALTER TABLE profile_media DROP COLUMN height;
ALTER TABLE profile_media DROP COLUMN width;
ALTER TABLE profile_media DROP COLUMN thumbnail_url;
ALTER TABLE users DROP CONSTRAINT valid_profile_visibility;
DROP INDEX idx_users_location_point;
ALTER TABLE users DROP COLUMN location_point;
ALTER TABLE users DROP COLUMN password_changed_at;
ALTER TABLE users DROP COLUMN email_verified_at;
DROP INDEX idx_users_email_index;
ALTER TABLE users DROP COLUMN email_index;
ALTER TABLE users ALTER COLUMN last_name TYPE VARCHAR(100);
ALTER TABLE users ALTER COLUMN email TYPE VARCHAR(255);
