-- 0013_pending_email_change: a new email address waits in its confirmation token until the link
-- mailed to it is used, so an account's address never switches to one nobody has proven to own.
ALTER TABLE auth_tokens ADD COLUMN new_email TEXT;        -- encrypted like users.email
ALTER TABLE auth_tokens ADD COLUMN new_email_index TEXT;  -- its blind index
ALTER TABLE auth_tokens DROP CONSTRAINT valid_token_purpose;
ALTER TABLE auth_tokens ADD CONSTRAINT valid_token_purpose
    CHECK (purpose IN ('verify_email', 'reset_password', 'change_email'));
ALTER TABLE auth_tokens ADD CONSTRAINT change_email_has_address
    CHECK ((purpose = 'change_email') = (new_email IS NOT NULL AND new_email_index IS NOT NULL));

-- The audit events of a requested (not yet confirmed) change, of a sign-up with a taken address,
-- and of an unverified account taken over by the provider that proved its address.
ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN ('signup', 'sign_in', 'sign_in_failed',
    'sign_out', 'sign_out_all', 'password_change', 'password_reset', 'email_change', 'email_verified',
    'account_deletion', 'oauth_link', 'profile_view', 'data_export', 'block', 'unblock', 'report', 'key_rotation',
    'email_change_requested', 'signup_existing_email', 'oauth_takeover'));
