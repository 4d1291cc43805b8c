-- 0037_reauthenticated_event (up): a session giving its password again (POST /api/v1/me/reauthenticate,
-- before the data export) is recorded as `reauthenticated`, in the owner's security log like a sign-in.
SELECT pm_change_audit_events(ARRAY['reauthenticated'], '{}');
