-- 0022_audit_trail_view (down): the events as before (entries already recorded stay).
SELECT pm_change_audit_events('{}', ARRAY['staff_audit_view']);
DROP FUNCTION pm_change_audit_events(text[], text[]);
