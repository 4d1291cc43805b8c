-- 0053_vectors_answers_read_at (down)
ALTER TABLE user_vectors DROP COLUMN answers_read_at;
