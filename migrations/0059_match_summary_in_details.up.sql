-- 0059_match_summary_in_details (up): a match's list summary is stored with it, in
-- matches.score_details: generation no longer writes the insights (the compatibility_insights row
-- and the insight document), which are built when the match is first opened (docs/matching.md
-- "Insights on first view"), and the list must not wait for them. The matches generated before
-- this have the summary in their document; it is copied (the rows are the system's: said as such,
-- as a migration that touches rows must).
SELECT set_config('pm.system', 'on', true);
UPDATE matches m SET score_details = m.score_details || jsonb_build_object('summary', d.doc->'insights'->'summary')
FROM compatibility_insight_documents d
WHERE d.match_id = m.match_id AND NOT m.score_details ? 'summary'
  AND jsonb_typeof(d.doc->'insights'->'summary') = 'string';
SELECT set_config('pm.system', 'off', true);
