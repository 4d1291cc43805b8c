-- 0016_staff_and_moderation (down): undoes 0016_staff_and_moderation.up.sql.
-- The audit log is append-only (0012): entries of the new events stay, so the narrower check is
-- not validated against existing rows (NOT VALID), as in 0013's down.
ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN ('signup', 'sign_in', 'sign_in_failed',
    'sign_out', 'sign_out_all', 'password_change', 'password_reset', 'email_change', 'email_verified',
    'account_deletion', 'oauth_link', 'profile_view', 'data_export', 'block', 'unblock', 'report', 'key_rotation',
    'email_change_requested', 'signup_existing_email', 'oauth_takeover')) NOT VALID;
ALTER TABLE user_reports DROP COLUMN resolution;
ALTER TABLE user_reports DROP COLUMN resolved_at;
ALTER TABLE user_reports DROP COLUMN resolved_by;
DROP TABLE banned_emails;
ALTER TABLE users DROP COLUMN banned_at;
ALTER TABLE users DROP COLUMN suspended_until;
DROP TABLE staff_members;
