-- 0008_matching_engine (down): undoes 0008_matching_engine.up.sql.
DROP TABLE match_generation_runs;
DROP TABLE match_generation_queue;
ALTER TABLE matches DROP COLUMN score_details;
DROP INDEX idx_matches_pending_created;
DROP INDEX idx_matches_user_2_score;
DROP INDEX idx_matches_user_1_score;
ALTER TABLE matches DROP COLUMN updated_at;
DROP TRIGGER user_preferences_touch ON user_preferences;
DROP INDEX idx_user_preferences_updated_at;
ALTER TABLE user_preferences DROP COLUMN updated_at;
DROP TRIGGER users_touch ON users;
DROP INDEX idx_users_updated_at;
ALTER TABLE users DROP COLUMN updated_at;
DROP FUNCTION pm_touch_updated_at();
