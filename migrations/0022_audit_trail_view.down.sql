-- 0022_audit_trail_view (down): the events as 0017 allowed them (entries already recorded stay:
-- NOT VALID checks only new rows).
ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN ('signup', 'sign_in', 'sign_in_failed',
    'sign_out', 'sign_out_all', 'password_change', 'password_reset', 'email_change', 'email_verified',
    'account_deletion', 'oauth_link', 'profile_view', 'data_export', 'block', 'unblock', 'report', 'key_rotation',
    'email_change_requested', 'signup_existing_email', 'oauth_takeover',
    'staff_role_granted', 'staff_role_revoked', 'staff_user_lookup', 'staff_report_view', 'report_dismissed',
    'user_warned', 'user_suspended', 'user_banned', 'photo_removed', 'plan_granted',
    'feature_flag_changed', 'feature_flag_deleted')) NOT VALID;
