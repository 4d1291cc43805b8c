-- 0046_staff_reports_listed_event (up): the reports queue shows each report's details (the
-- reporter's own words), as one report's page does: each listing is recorded, one entry per report
-- shown, as `staff_report_view` records the page.
SELECT pm_change_audit_events(ARRAY['staff_reports_listed'], '{}');
