-- 0030_insight_document_keys (docs/schema.md, docs/benchmarks.md):
--   compatibility_insight_documents keeps its key to its match (ON DELETE CASCADE) and loses its
--   own keys to users, with their two indexes. The match's keys already tie the pair to users (a
--   user's deletion removes the match, and the match its document); no query reads documents by
--   user (discovery and the detail read them by match_id). Batch generation checked the two keys
--   and filled the two indexes for every match it wrote: a sixth of the foreign-key checks, the
--   largest single cost of PostgreSQL's writer backend. The row policy still reads the two columns.
ALTER TABLE compatibility_insight_documents
    DROP CONSTRAINT compatibility_insight_documents_user_id_1_fkey,
    DROP CONSTRAINT compatibility_insight_documents_user_id_2_fkey;
DROP INDEX idx_insight_documents_user_id_1;
DROP INDEX idx_insight_documents_user_id_2;
