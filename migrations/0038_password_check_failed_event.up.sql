-- 0038_password_check_failed_event (up): a wrong password given by a signed-in session (a change
-- of password or address, a re-authentication) is recorded as `password_check_failed`, in the
-- owner's security log: someone holding the session and guessing shows there.
SELECT pm_change_audit_events(ARRAY['password_check_failed'], '{}');
