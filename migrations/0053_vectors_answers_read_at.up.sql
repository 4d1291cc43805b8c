-- 0053_vectors_answers_read_at: when the answers a vector document was computed from were read.
-- Two computations of one person's vectors can overlap (two workers, a slow embedding provider):
-- the one that read her answers first must not save last, or her stale vectors stayed until her
-- next answer. A save is kept only if it read the answers no earlier than the stored one
-- (matching/repository.cpp, kSaveVectorDocument). Rows from before have none: any save replaces them.
ALTER TABLE user_vectors ADD COLUMN answers_read_at TIMESTAMP WITH TIME ZONE;
