-- 0003_questionnaire (up): the questionnaire.
--   question_blocks, questions: the seed's Questionnaire Schema, verbatim.
--   answers: the seed's ERD entity "Answer" (the seed gives no SQL for it).
--   questionnaire_responses: the seed's MongoDB "Questionnaire Response Collection",
--     kept as a jsonb document table (DESIGN.md: MongoDB collections become jsonb tables).

-- Question Block Table
CREATE TABLE question_blocks (
    block_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    title VARCHAR(255) NOT NULL,
    description TEXT,
    display_order INT NOT NULL,
    
    CONSTRAINT unique_block_order UNIQUE (display_order)
);

-- Question Table
CREATE TABLE questions (
    question_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    block_id UUID NOT NULL REFERENCES question_blocks(block_id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    question_type VARCHAR(50) NOT NULL,
    options JSONB,
    branching_logic JSONB,
    importance_weight INT NOT NULL DEFAULT 1,
    premium_only BOOLEAN DEFAULT FALSE,
    
    CONSTRAINT valid_question_type CHECK (question_type IN ('multiple_choice', 'slider', 'open_ended', 'boolean', 'multiple_select'))
);

CREATE INDEX idx_questions_block_id ON questions(block_id);
CREATE INDEX idx_questions_premium ON questions(premium_only);

-- Answer Table (from the ERD; the seed has no SQL for it).
-- Timestamps are NOT NULL in tables the seed gives no SQL for: a row without a time is never valid.
-- updated_at is set by the repository on every update (no trigger: all SQL lives in repositories).
CREATE TABLE answers (
    answer_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    question_id UUID NOT NULL REFERENCES questions(question_id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    -- JSONB, not the ERD's string: the value's type depends on the question
    -- (choice key, slider number, boolean, list of choices, free text).
    response_value JSONB NOT NULL,
    -- 0..10: the seed's documents carry importance scores such as 7 and 8.
    importance_score INT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    -- One current answer per question and user: a changed answer updates this row in place;
    -- the history of answers lives in the questionnaire response document.
    CONSTRAINT unique_user_question_answer UNIQUE (user_id, question_id),
    CONSTRAINT valid_importance_score CHECK (importance_score BETWEEN 0 AND 10)
);

-- user_id is also the leading column of unique_user_question_answer; the plain index is kept
-- for the seed's convention of one index per foreign key.
CREATE INDEX idx_answers_user_id ON answers(user_id);
CREATE INDEX idx_answers_question_id ON answers(question_id);

-- Questionnaire Response Collection, as a jsonb document table.
CREATE TABLE questionnaire_responses (
    response_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    -- A user can answer more than one question bank; one document per user and bank.
    bank_key TEXT NOT NULL DEFAULT 'perfect-match',
    -- The seed's MongoDB schema evolution: every document carries its schema version.
    schema_version INT NOT NULL DEFAULT 1,
    -- The seed's document (completedAt, progress, responses, openEndedResponses, metadata).
    doc JSONB NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    CONSTRAINT unique_user_bank_response UNIQUE (user_id, bank_key),
    CONSTRAINT valid_response_schema_version CHECK (schema_version >= 1),
    CONSTRAINT valid_response_doc CHECK (jsonb_typeof(doc) = 'object')
);

-- Match generation reads the responses of users who completed the questionnaire.
CREATE INDEX idx_questionnaire_responses_completed ON questionnaire_responses(bank_key, user_id)
    WHERE (doc->>'completedAt') IS NOT NULL;
