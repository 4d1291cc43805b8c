-- 0006_accounts (up): what the Authentication and Profile Management services need beyond the seed.

-- PII is encrypted in the application (XChaCha20-Poly1305, "pm1.<key id>.<base64url>"), which
-- makes the ciphertext longer than the seed's VARCHAR(255)/VARCHAR(100): these become TEXT.
-- The seed's UNIQUE on email stays but is moot for ciphertexts (random nonces); uniqueness and
-- look-up go through email_index, a keyed HMAC-SHA256 of the normalised address (blind index).
ALTER TABLE users ALTER COLUMN email TYPE TEXT;
ALTER TABLE users ALTER COLUMN last_name TYPE TEXT;
ALTER TABLE users ADD COLUMN email_index TEXT;
CREATE UNIQUE INDEX idx_users_email_index ON users(email_index);
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMP WITH TIME ZONE;
-- The seed keeps a location label; distance filters need coordinates beside it.
ALTER TABLE users ADD COLUMN location_point geography(Point, 4326);
CREATE INDEX idx_users_location_point ON users USING GIST (location_point);
ALTER TABLE users ADD CONSTRAINT valid_profile_visibility CHECK (profile_visibility IN ('public', 'matches_only', 'hidden'));

-- Photos: the seed's url holds the display image's object key (URLs are signed per request,
-- so none is stored); the thumbnail's key and the display size sit beside it.
ALTER TABLE profile_media ADD COLUMN thumbnail_url VARCHAR(255);
ALTER TABLE profile_media ADD COLUMN width INT;
ALTER TABLE profile_media ADD COLUMN height INT;

-- Single-use tokens mailed to the user; only their SHA-256 is stored.
CREATE TABLE auth_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    purpose VARCHAR(30) NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    CONSTRAINT valid_token_purpose CHECK (purpose IN ('verify_email', 'reset_password'))
);
CREATE INDEX idx_auth_tokens_user ON auth_tokens(user_id, purpose);

-- Accounts linked to an OpenID Connect provider's subject.
CREATE TABLE oauth_identities (
    provider VARCHAR(50) NOT NULL,
    subject TEXT NOT NULL,
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    PRIMARY KEY (provider, subject)
);
CREATE INDEX idx_oauth_identities_user ON oauth_identities(user_id);

-- Mail waiting to be sent. The payload (recipient, subject, body with its token) is encrypted
-- like other PII; a row is sent once (sent_at) and retried with back-off until then. Mail to a
-- deleted account goes with it.
CREATE TABLE email_outbox (
    outbox_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id UUID REFERENCES users(user_id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    attempts INT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    sent_at TIMESTAMP WITH TIME ZONE,
    last_error TEXT
);
CREATE INDEX idx_email_outbox_pending ON email_outbox(next_attempt_at) WHERE sent_at IS NULL;

-- Security events. No foreign key on user_id: the record of an account's deletion must outlive
-- the account. Never holds a password, token or email address.
CREATE TABLE audit_log (
    audit_id BIGSERIAL PRIMARY KEY,
    user_id UUID,
    event VARCHAR(50) NOT NULL,
    ip INET,
    details JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    CONSTRAINT valid_audit_event CHECK (event IN ('signup', 'sign_in', 'sign_in_failed', 'sign_out', 'sign_out_all',
        'password_change', 'password_reset', 'email_change', 'email_verified', 'account_deletion', 'oauth_link'))
);
CREATE INDEX idx_audit_log_user ON audit_log(user_id, created_at DESC);
CREATE INDEX idx_audit_log_created_at ON audit_log(created_at);

-- Safety: a block hides each user from the other everywhere.
CREATE TABLE user_blocks (
    blocker_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    blocked_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    PRIMARY KEY (blocker_id, blocked_id),
    CONSTRAINT no_self_block CHECK (blocker_id <> blocked_id)
);
CREATE INDEX idx_user_blocks_blocked ON user_blocks(blocked_id);

-- Reports outlive both accounts (moderation needs them), so the users' ids are set to NULL.
CREATE TABLE user_reports (
    report_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    reporter_id UUID REFERENCES users(user_id) ON DELETE SET NULL,
    reported_id UUID REFERENCES users(user_id) ON DELETE SET NULL,
    reason VARCHAR(50) NOT NULL,
    details TEXT,
    status VARCHAR(20) NOT NULL DEFAULT 'open',
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    CONSTRAINT valid_report_reason CHECK (reason IN ('spam', 'fake_profile', 'harassment', 'inappropriate_content',
        'underage', 'scam', 'other')),
    CONSTRAINT valid_report_status CHECK (status IN ('open', 'reviewed', 'dismissed'))
);
CREATE INDEX idx_user_reports_status ON user_reports(status, created_at);
