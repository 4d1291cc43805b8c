-- 0038_password_check_failed_event (down): the events as before (entries already recorded stay).
SELECT pm_change_audit_events('{}', ARRAY['password_check_failed']);
