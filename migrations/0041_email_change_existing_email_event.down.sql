-- 0041_email_change_existing_email_event (down): the events as before (entries already recorded stay).
SELECT pm_change_audit_events('{}', ARRAY['email_change_existing_email']);
