-- 0041_email_change_existing_email_event (up): someone asked to move another account to the
-- address of this one: recorded as `email_change_existing_email` in this account's security log on
-- every attempt (the owner is mailed once a day), as a sign-up with the address is.
SELECT pm_change_audit_events(ARRAY['email_change_existing_email'], '{}');
