-- 0008_matching_engine (up): what the AI Matching Service needs beyond the seed.

-- The candidate index of each serving node follows PostgreSQL by polling for users whose
-- matching data changed (profile, preferences, vectors) since its last look.
CREATE FUNCTION pm_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

ALTER TABLE users ADD COLUMN updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW();
CREATE INDEX idx_users_updated_at ON users(updated_at);
-- last_active moves on every request; it is no reason to re-index a user.
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW
    WHEN ((to_jsonb(OLD) - 'last_active' - 'updated_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_active' - 'updated_at'))
    EXECUTE FUNCTION pm_touch_updated_at();

ALTER TABLE user_preferences ADD COLUMN updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW();
CREATE INDEX idx_user_preferences_updated_at ON user_preferences(updated_at);
CREATE TRIGGER user_preferences_touch BEFORE UPDATE ON user_preferences FOR EACH ROW
    EXECUTE FUNCTION pm_touch_updated_at();

-- Decisions and expiry: when each side decided, when the match became active or ended.
ALTER TABLE matches ADD COLUMN updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW();
-- Discovery lists a user's matches best first from either side of the pair.
CREATE INDEX idx_matches_user_1_score ON matches(user_id_1, compatibility_score DESC, match_id);
CREATE INDEX idx_matches_user_2_score ON matches(user_id_2, compatibility_score DESC, match_id);
-- The worker's expiry sweep.
CREATE INDEX idx_matches_pending_created ON matches(created_at) WHERE status = 'pending';

-- The direction scores and the numbers behind the score, for explaining it.
ALTER TABLE matches ADD COLUMN score_details JSONB NOT NULL DEFAULT '{}';

-- Users whose matches the worker should regenerate (their data changed); one row per user.
CREATE TABLE match_generation_queue (
    user_id UUID PRIMARY KEY REFERENCES users(user_id) ON DELETE CASCADE,
    reason VARCHAR(50) NOT NULL,
    queued_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_match_generation_queue_queued ON match_generation_queue(queued_at);

-- `matches generate --all` records the last user it finished, so an interrupted run resumes.
CREATE TABLE match_generation_runs (
    run_id VARCHAR(50) PRIMARY KEY,
    last_user_id UUID,
    users_done INT NOT NULL DEFAULT 0,
    started_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    finished_at TIMESTAMP WITH TIME ZONE
);
