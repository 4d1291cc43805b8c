-- 0016_staff_and_moderation: staff roles, the moderation of reports, suspensions and bans.
--   staff_members: who is staff (moderator or admin); granted only by `perfectmatch admin grant`.
--   users.suspended_until / banned_at: a suspended or banned account cannot sign in, has no
--     session, and is out of matching.
--   banned_emails: the blind index of a banned account's address, refused at sign-up even after
--     the account is deleted.
--   user_reports: who resolved a report, when, and how.
CREATE TABLE staff_members (
    user_id UUID PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
    role TEXT NOT NULL CONSTRAINT valid_staff_role CHECK (role IN ('moderator', 'admin')),
    granted_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

ALTER TABLE users ADD COLUMN suspended_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE users ADD COLUMN banned_at TIMESTAMP WITH TIME ZONE;

CREATE TABLE banned_emails (
    email_index TEXT PRIMARY KEY,
    banned_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);

ALTER TABLE user_reports ADD COLUMN resolved_by UUID REFERENCES users(user_id) ON DELETE SET NULL;
ALTER TABLE user_reports ADD COLUMN resolved_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE user_reports ADD COLUMN resolution TEXT
    CONSTRAINT valid_report_resolution CHECK (resolution IN ('dismiss', 'warn', 'suspend', 'ban', 'remove_photo'));

-- Staff actions, each with its actor (user_id) and whom it is about (subject_id).
ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN ('signup', 'sign_in', 'sign_in_failed',
    'sign_out', 'sign_out_all', 'password_change', 'password_reset', 'email_change', 'email_verified',
    'account_deletion', 'oauth_link', 'profile_view', 'data_export', 'block', 'unblock', 'report', 'key_rotation',
    'email_change_requested', 'signup_existing_email', 'oauth_takeover',
    'staff_role_granted', 'staff_role_revoked', 'staff_user_lookup', 'staff_report_view', 'report_dismissed',
    'user_warned', 'user_suspended', 'user_banned', 'photo_removed', 'plan_granted'));

-- Row-level security: a user reads their own staff row; everything else is the system's (staff
-- routes check the caller's role, then act as the system). Banned addresses are no user's rows.
CREATE POLICY own_rows ON staff_members USING (pm_is_system() OR user_id = pm_user_id());
ALTER TABLE staff_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_members FORCE ROW LEVEL SECURITY;

GRANT SELECT ON staff_members TO pm_analytics;
CREATE POLICY analytics_read ON staff_members FOR SELECT TO pm_analytics USING (true);
GRANT SELECT (suspended_until, banned_at) ON users TO pm_analytics;
GRANT SELECT (resolved_by, resolved_at, resolution) ON user_reports TO pm_analytics;
