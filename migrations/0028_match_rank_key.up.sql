-- 0028_match_rank_key (docs/matching.md "The order of a user's matches"):
--   matches.mutual_interest: the reciprocal model's p(a likes b) x p(b likes a) for the pair when a
--     stored model ranked the match (ranking 'reciprocal-v<N>' or '-explore'); NULL when the
--     questionnaire did (and for every match stored before this migration: their mutual interest
--     was never kept). Symmetric in the two users, so one value serves both of their lists.
--   matches.rank_key: the order generation decided, which GET /matches lists by (then match_id).
--     Derived, so no writer (generation, the demo seeder, tests) can store a key that disagrees:
--     a model-ranked match is 1 + mutual interest (above 1), a questionnaire-ranked one its score
--     / 100 (0 to 1). Model-ranked matches therefore come before questionnaire-ranked ones, each
--     kind in its own order; existing rows get score / 100, which keeps today's order (score, then
--     match id). Never shown: no response or cursor carries either column, and pm_analytics is
--     granted neither (it reads matches column by column).
ALTER TABLE matches ADD COLUMN mutual_interest DOUBLE PRECISION
    CONSTRAINT mutual_interest_is_a_probability CHECK (mutual_interest BETWEEN 0 AND 1);
ALTER TABLE matches ADD COLUMN rank_key DOUBLE PRECISION NOT NULL GENERATED ALWAYS AS (
    CASE WHEN mutual_interest IS NULL THEN compatibility_score / 100 ELSE 1 + mutual_interest END) STORED;

-- A user's list, from either side of the pair, in rank_key order with keyset paging; the score
-- order's indexes (0008) served only that list.
DROP INDEX idx_matches_user_1_score;
DROP INDEX idx_matches_user_2_score;
CREATE INDEX idx_matches_user_1_rank ON matches(user_id_1, rank_key DESC, match_id);
CREATE INDEX idx_matches_user_2_rank ON matches(user_id_2, rank_key DESC, match_id);
