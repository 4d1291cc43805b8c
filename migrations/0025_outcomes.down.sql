-- 0025_outcomes (down): undoes 0025_outcomes.up.sql.
DROP TABLE match_outcomes;
ALTER TABLE conversations DROP COLUMN user_1_first_message_at, DROP COLUMN user_2_first_message_at;
ALTER TABLE matches DROP COLUMN ranking;
