-- 0003_questionnaire (down): drops the tables of 0003_questionnaire.up.sql,
-- dependents first (answers refers to questions, questions to question_blocks).

DROP TABLE questionnaire_responses;
DROP TABLE answers;
DROP TABLE questions;
DROP TABLE question_blocks;
