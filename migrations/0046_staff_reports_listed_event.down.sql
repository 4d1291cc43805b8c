-- 0046_staff_reports_listed_event (down): the events as before (entries already recorded stay).
SELECT pm_change_audit_events('{}', ARRAY['staff_reports_listed']);
