-- 0007_questionnaire_engine (up): what the Questionnaire Engine needs beyond the seed.

-- A question bank (data/questions/*.json); several live side by side. The seed makes block
-- display orders unique across all blocks (unique_block_order), so a bank's blocks are numbered
-- ordinal * 1000 + position: each bank gets its own range.
CREATE TABLE question_banks (
    bank_key VARCHAR(50) PRIMARY KEY,
    ordinal INT NOT NULL,
    version VARCHAR(50) NOT NULL,
    title TEXT NOT NULL,
    dimensions JSONB NOT NULL,
    imported_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),

    CONSTRAINT unique_bank_ordinal UNIQUE (ordinal),
    CONSTRAINT valid_bank_dimensions CHECK (jsonb_typeof(dimensions) = 'array')
);

ALTER TABLE question_blocks ADD COLUMN bank_key VARCHAR(50) REFERENCES question_banks(bank_key) ON DELETE CASCADE;
ALTER TABLE question_blocks ADD COLUMN block_key VARCHAR(64);
ALTER TABLE question_blocks ADD COLUMN attribute VARCHAR(50);
CREATE UNIQUE INDEX idx_question_blocks_bank_key ON question_blocks(bank_key, block_key);

-- A question keeps its stable key and place; a question dropped from the bank file is retired
-- (hidden, its answers kept) rather than deleted.
ALTER TABLE questions ADD COLUMN question_key VARCHAR(64);
ALTER TABLE questions ADD COLUMN display_order INT;
ALTER TABLE questions ADD COLUMN required BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE questions ADD COLUMN retired_at TIMESTAMP WITH TIME ZONE;

-- What the user accepts from a partner ("any", option keys, or a slider range), and answers
-- retired because branching now hides their question (they no longer count for matching).
ALTER TABLE answers ADD COLUMN acceptable JSONB NOT NULL DEFAULT '"any"';
ALTER TABLE answers ADD COLUMN retired_at TIMESTAMP WITH TIME ZONE;
CREATE INDEX idx_answers_current ON answers(user_id) WHERE retired_at IS NULL;

-- Work for the worker (e.g. compute a user's vectors after the questionnaire is completed).
CREATE TABLE jobs (
    job_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    kind VARCHAR(50) NOT NULL,
    payload JSONB NOT NULL DEFAULT '{}',
    status VARCHAR(20) NOT NULL DEFAULT 'pending',
    attempts INT NOT NULL DEFAULT 0,
    run_after TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    finished_at TIMESTAMP WITH TIME ZONE,
    last_error TEXT,

    CONSTRAINT valid_job_status CHECK (status IN ('pending', 'running', 'done', 'failed'))
);
CREATE INDEX idx_jobs_due ON jobs(run_after) WHERE status = 'pending';
CREATE INDEX idx_jobs_kind ON jobs(kind, status);
