-- 0012_audit_and_retention (down): the audit log as 0006 left it (entries of the new events go).

DROP FUNCTION pm_enforce_retention(INT);
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TRIGGER audit_log_append_only ON audit_log;
DROP FUNCTION pm_audit_log_append_only();
DROP INDEX idx_audit_log_subject;
ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
DELETE FROM audit_log WHERE event IN ('profile_view', 'data_export', 'block', 'unblock', 'report', 'key_rotation');
ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN ('signup', 'sign_in', 'sign_in_failed',
    'sign_out', 'sign_out_all', 'password_change', 'password_reset', 'email_change', 'email_verified',
    'account_deletion', 'oauth_link'));
ALTER TABLE audit_log DROP COLUMN request_id;
ALTER TABLE audit_log DROP COLUMN subject_id;
