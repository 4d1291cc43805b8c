-- 0004_matching (down): drops the tables of 0004_matching.up.sql,
-- dependents of matches first, matches last.

DROP TABLE compatibility_insight_documents;
DROP TABLE user_vectors;
DROP TABLE user_embeddings;
DROP TABLE match_attributes;
DROP TABLE compatibility_insights;
DROP TABLE matches;
