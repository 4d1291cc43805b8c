-- 0037_reauthenticated_event (down): the events as before (entries already recorded stay).
SELECT pm_change_audit_events('{}', ARRAY['reauthenticated']);
