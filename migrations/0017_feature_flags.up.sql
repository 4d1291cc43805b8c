-- 0017_feature_flags: feature flags, the seed's `feature_flags:{featureId} -> {enabled, config}`.
-- PostgreSQL is the source of truth; every server mirrors a flag to that Redis key when an admin
-- changes it and reads through a short local cache (docs/feature-flags.md).
--   enabled: the switch; off is off for everyone (the allow-list included).
--   rollout_percentage: 0-100, the share of users it is on for, by a stable hash of (flag_key, user id).
--   allow_list: users it is on for whatever the rollout and plans.
--   plans: when not empty, only users whose plan in force is one of these (others: off).
CREATE TABLE feature_flags (
    flag_key TEXT PRIMARY KEY CONSTRAINT valid_flag_key CHECK (flag_key ~ '^[a-z][a-z0-9_-]{0,49}$'),
    description TEXT NOT NULL DEFAULT '',
    enabled BOOLEAN NOT NULL DEFAULT false,
    config JSONB NOT NULL DEFAULT '{}' CONSTRAINT flag_config_object CHECK (jsonb_typeof(config) = 'object'),
    rollout_percentage INT NOT NULL DEFAULT 100
        CONSTRAINT valid_rollout_percentage CHECK (rollout_percentage BETWEEN 0 AND 100),
    allow_list UUID[] NOT NULL DEFAULT '{}',
    plans TEXT[] NOT NULL DEFAULT '{}',
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_by UUID REFERENCES users(user_id) ON DELETE SET NULL
);

-- The flags the code uses, as they behaved before flags existed: rewind for the plans that
-- include it (the entitlement still decides), and insights from the configured LLM provider.
INSERT INTO feature_flags (flag_key, description, enabled, config) VALUES
    ('rewind', 'POST /api/v1/matches/rewind: off answers 404 feature-disabled (the plan''s rewind entitlement still applies when on)',
     true, '{}'),
    ('llm_insights', 'Match insights'' prose from the LLM provider of PM_LLM_PROVIDER; off, or config provider "builtin": the built-in writer',
     true, '{"provider": "configured"}');

-- Flag changes by admins, with the actor (user_id) and the flag in details.
ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN ('signup', 'sign_in', 'sign_in_failed',
    'sign_out', 'sign_out_all', 'password_change', 'password_reset', 'email_change', 'email_verified',
    'account_deletion', 'oauth_link', 'profile_view', 'data_export', 'block', 'unblock', 'report', 'key_rotation',
    'email_change_requested', 'signup_existing_email', 'oauth_takeover',
    'staff_role_granted', 'staff_role_revoked', 'staff_user_lookup', 'staff_report_view', 'report_dismissed',
    'user_warned', 'user_suspended', 'user_banned', 'photo_removed', 'plan_granted',
    'feature_flag_changed', 'feature_flag_deleted'));

-- Flags hold no user's data but the allow-list, which only admins see: no row-level security (the
-- routes check the admin role), and nothing for the analytics role.
