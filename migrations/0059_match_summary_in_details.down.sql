-- 0059_match_summary_in_details (down): nothing to undo. The code before reads the summary from
-- the insight document and ignores the copy in score_details; taking the copy out would lose the
-- only summary of the matches generated since, which have no document until they are opened.
SELECT 1;
