-- 0007_questionnaire_engine (down): undoes 0007_questionnaire_engine.up.sql.
DROP TABLE jobs;
DROP INDEX idx_answers_current;
ALTER TABLE answers DROP COLUMN retired_at;
ALTER TABLE answers DROP COLUMN acceptable;
ALTER TABLE questions DROP COLUMN retired_at;
ALTER TABLE questions DROP COLUMN required;
ALTER TABLE questions DROP COLUMN display_order;
ALTER TABLE questions DROP COLUMN question_key;
DROP INDEX idx_question_blocks_bank_key;
ALTER TABLE question_blocks DROP COLUMN attribute;
ALTER TABLE question_blocks DROP COLUMN block_key;
ALTER TABLE question_blocks DROP COLUMN bank_key;
DROP TABLE question_banks;
