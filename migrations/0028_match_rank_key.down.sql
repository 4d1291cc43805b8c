-- 0028_match_rank_key (down): undoes 0028_match_rank_key.up.sql; lists go back to score order.
DROP INDEX idx_matches_user_1_rank;
DROP INDEX idx_matches_user_2_rank;
ALTER TABLE matches DROP COLUMN rank_key;
ALTER TABLE matches DROP COLUMN mutual_interest;
CREATE INDEX idx_matches_user_1_score ON matches(user_id_1, compatibility_score DESC, match_id);
CREATE INDEX idx_matches_user_2_score ON matches(user_id_2, compatibility_score DESC, match_id);
