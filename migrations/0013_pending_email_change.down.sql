-- 0013_pending_email_change (down): undoes 0013_pending_email_change.up.sql (pending changes are dropped).
DELETE FROM auth_tokens WHERE purpose = 'change_email';
-- The audit log is append-only (0012): entries of the three events stay, so the narrower check is
-- not validated against existing rows (NOT VALID); new rows are held to it.
ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN ('signup', 'sign_in', 'sign_in_failed',
    'sign_out', 'sign_out_all', 'password_change', 'password_reset', 'email_change', 'email_verified',
    'account_deletion', 'oauth_link', 'profile_view', 'data_export', 'block', 'unblock', 'report', 'key_rotation')) NOT VALID;
ALTER TABLE auth_tokens DROP CONSTRAINT change_email_has_address;
ALTER TABLE auth_tokens DROP CONSTRAINT valid_token_purpose;
ALTER TABLE auth_tokens ADD CONSTRAINT valid_token_purpose CHECK (purpose IN ('verify_email', 'reset_password'));
ALTER TABLE auth_tokens DROP COLUMN new_email_index;
ALTER TABLE auth_tokens DROP COLUMN new_email;
