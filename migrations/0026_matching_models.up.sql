-- 0026_matching_models (up): the reciprocal model's stored versions (issue 15; docs/matching.md
-- "The learned ranking"). `perfectmatch learn` and the worker's scheduled training insert a row;
-- every serving node loads the newest row at start-up and polls for a newer one, so a new version
-- takes effect everywhere without a restart. The last PM_MODELS_KEPT versions are kept (older rows
-- are deleted by the training that adds one); deleting the newest row rolls every node back to the
-- one before it at its next poll.
--
-- Nothing here is personal in the API's sense and no route reads it: the bytes hold user ids with
-- their like/liked counts and learnt factors (derived from match_outcomes), so only the system
-- (the worker, the nodes' loader: pm_is_system()) reads or writes a row, and the analytics role
-- sees the metadata but never the bytes.
CREATE TABLE matching_models (
    version BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trained_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    outcomes BIGINT NOT NULL,            -- training examples the model learnt from
    format INT NOT NULL,                 -- ReciprocalModel::kFormatVersion of the bytes
    model BYTEA NOT NULL,                -- ReciprocalModel::to_bytes()
    metrics JSONB NOT NULL DEFAULT '{}', -- held-out evaluation of this training (AUCs per ranking)
    CONSTRAINT model_outcomes_counted CHECK (outcomes >= 0)
);

ALTER TABLE matching_models ENABLE ROW LEVEL SECURITY;
ALTER TABLE matching_models FORCE ROW LEVEL SECURITY;
CREATE POLICY system_only ON matching_models USING (pm_is_system());
CREATE POLICY analytics_read ON matching_models FOR SELECT TO pm_analytics USING (true);
-- Inserted and deleted, never changed.
REVOKE ALL ON matching_models FROM pm_app;
GRANT SELECT, INSERT, DELETE ON matching_models TO pm_app;
GRANT SELECT (version, trained_at, outcomes, format, metrics) ON matching_models TO pm_analytics;
