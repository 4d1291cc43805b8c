-- 0017_feature_flags (down): undoes 0017_feature_flags.up.sql.
-- The audit log is append-only (0012): entries of the flag events stay, so the narrower check is
-- not validated against existing rows (NOT VALID), as in 0016's down.
ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN ('signup', 'sign_in', 'sign_in_failed',
    'sign_out', 'sign_out_all', 'password_change', 'password_reset', 'email_change', 'email_verified',
    'account_deletion', 'oauth_link', 'profile_view', 'data_export', 'block', 'unblock', 'report', 'key_rotation',
    'email_change_requested', 'signup_existing_email', 'oauth_takeover',
    'staff_role_granted', 'staff_role_revoked', 'staff_user_lookup', 'staff_report_view', 'report_dismissed',
    'user_warned', 'user_suspended', 'user_banned', 'photo_removed', 'plan_granted')) NOT VALID;
DROP TABLE feature_flags;
