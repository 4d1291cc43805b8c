-- 0025_outcomes (up): every decision a user makes is kept as a training example for the matching
-- model (issue 15, item 1; docs/outcomes.md): a like, a pass, a mutual match, an unmatch, a first
-- message and a reply, each with who decided, about whom, when, the match and the ranking that
-- placed the match in the feed. Written in the transaction of the decision itself.
--
-- Not partitioned: a match yields at most six rows (like and pass or like, like, match, two first
-- messages, one unmatch), so the table grows like matches, which is not partitioned either, and is
-- read in bulk by time (the index below). Kept as long as the account: deleted with either person.

-- Which ranking placed a match in the feed: generation writes it (matching/engine.cpp); every
-- match made before this migration was ranked by the questionnaire score.
ALTER TABLE matches ADD COLUMN ranking VARCHAR(64) NOT NULL DEFAULT 'questionnaire-v1';
GRANT SELECT (ranking) ON matches TO pm_analytics;

-- When each of the pair (in the match's user order) sent their first message in the conversation:
-- the send path reads it under the conversation row's lock it already takes, so only a side's
-- first message costs a statement more (the outcome). Filled from the messages still stored.
ALTER TABLE conversations ADD COLUMN user_1_first_message_at TIMESTAMP WITH TIME ZONE,
                          ADD COLUMN user_2_first_message_at TIMESTAMP WITH TIME ZONE;
GRANT SELECT (user_1_first_message_at, user_2_first_message_at) ON conversations TO pm_analytics;
UPDATE conversations c SET user_1_first_message_at = f.first_1, user_2_first_message_at = f.first_2
FROM (SELECT x.conversation_id,
             min(m.sent_at) FILTER (WHERE m.sender_id = mt.user_id_1) AS first_1,
             min(m.sent_at) FILTER (WHERE m.sender_id = mt.user_id_2) AS first_2
      FROM conversations x JOIN matches mt ON mt.match_id = x.match_id
      JOIN messages m ON m.conversation_id = x.conversation_id
      GROUP BY x.conversation_id) f
WHERE f.conversation_id = c.conversation_id;

CREATE TABLE match_outcomes (
    outcome_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- who decided (the liker, the sender, ...) and about whom
    decided_by UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    about_user UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    kind VARCHAR(20) NOT NULL,
    decided_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
    match_id UUID NOT NULL REFERENCES matches(match_id) ON DELETE CASCADE,
    -- the ranking (model and version) that placed the match in the feed: matches.ranking then
    ranking VARCHAR(64) NOT NULL,
    -- a pass the user took back (POST /matches/rewind): kept, marked, so training may drop it
    rewound_at TIMESTAMP WITH TIME ZONE,
    CONSTRAINT valid_outcome_kind CHECK (kind IN ('like', 'pass', 'match', 'unmatch', 'first_message', 'reply')),
    CONSTRAINT outcome_about_another CHECK (decided_by <> about_user),
    CONSTRAINT only_a_pass_is_rewound CHECK (rewound_at IS NULL OR kind = 'pass')
);
-- The bulk read for training: by time, then id.
CREATE INDEX idx_match_outcomes_decided_at ON match_outcomes(decided_at, outcome_id);
-- The export (one's own decisions) and a rewind (the user's pass on a match).
CREATE INDEX idx_match_outcomes_decided_by ON match_outcomes(decided_by, match_id);
-- Deleting an account removes the rows about it too.
CREATE INDEX idx_match_outcomes_about_user ON match_outcomes(about_user);
CREATE INDEX idx_match_outcomes_match ON match_outcomes(match_id);

-- One user's data: each sees and writes only their own decisions, never how others decided about
-- them (docs/security.md); the analytics role reads every row (no PII: ids, kinds and times).
ALTER TABLE match_outcomes ENABLE ROW LEVEL SECURITY;
ALTER TABLE match_outcomes FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON match_outcomes USING (pm_is_system() OR decided_by = pm_user_id());
CREATE POLICY analytics_read ON match_outcomes FOR SELECT TO pm_analytics USING (true);
-- The app records and reads; a row is never changed but for the rewind mark, and goes only with
-- its account or match.
REVOKE ALL ON match_outcomes FROM pm_app;
GRANT SELECT, INSERT, DELETE ON match_outcomes TO pm_app;
GRANT UPDATE (rewound_at) ON match_outcomes TO pm_app;
GRANT SELECT ON match_outcomes TO pm_analytics;
