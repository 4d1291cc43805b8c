-- 0018_payments: a payment provider (Stripe, or the local sandbox) keeps paid plans in step
-- (docs/subscriptions.md, "Payments"). subscription_details keeps the seed's columns (plan_type,
-- start_date, end_date = the end of the period paid for, payment_status, payment_method) and gains
-- the provider's ids, the card's brand and last four digits (never a card number), the end of the
-- grace period of a failed payment, and the `created` time of the newest provider event applied,
-- so an older event arriving late never overwrites newer state. Each webhook event is stored once
-- by its id: a replay or a retry changes nothing.
ALTER TABLE subscription_details ADD COLUMN provider TEXT;                  -- stripe, sandbox
ALTER TABLE subscription_details ADD COLUMN provider_customer_id TEXT;      -- cus_...
ALTER TABLE subscription_details ADD COLUMN provider_subscription_id TEXT;  -- sub_...
ALTER TABLE subscription_details ADD COLUMN card_brand TEXT;
ALTER TABLE subscription_details ADD COLUMN card_last4 TEXT CONSTRAINT card_last4_digits CHECK (card_last4 ~ '^[0-9]{4}$');
ALTER TABLE subscription_details ADD COLUMN grace_until TIMESTAMP WITH TIME ZONE;  -- past_due keeps the plan until then
ALTER TABLE subscription_details ADD COLUMN provider_state_at TIMESTAMP WITH TIME ZONE;  -- `created` of the newest event applied
CREATE UNIQUE INDEX idx_subscription_provider_subscription ON subscription_details(provider_subscription_id)
    WHERE provider_subscription_id IS NOT NULL;
CREATE INDEX idx_subscription_provider_customer ON subscription_details(provider_customer_id)
    WHERE provider_customer_id IS NOT NULL;
-- What the worker looks at: plans whose period or grace may have run out.
CREATE INDEX idx_subscription_lapsing ON subscription_details(payment_status, end_date, grace_until)
    WHERE plan_type <> 'free';

-- Every webhook event received and verified, once (the provider's event id is the key). No user's
-- data beyond the ids: the payload itself is not kept.
CREATE TABLE payment_events (
    event_id TEXT PRIMARY KEY CONSTRAINT valid_event_id CHECK (length(event_id) BETWEEN 1 AND 255),
    provider TEXT NOT NULL,
    event_type TEXT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,   -- the provider's `created`
    received_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    user_id UUID REFERENCES users(user_id) ON DELETE SET NULL,
    provider_subscription_id TEXT,
    outcome TEXT NOT NULL  -- applied, stale (older than the state), ignored (nothing to do), unmatched (no user)
);
CREATE INDEX idx_payment_events_user ON payment_events(user_id, created_at DESC) WHERE user_id IS NOT NULL;
-- Webhooks are the system's work (no user signs a webhook): only the system reads or writes these.
ALTER TABLE payment_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_events FORCE ROW LEVEL SECURITY;
CREATE POLICY system_rows ON payment_events USING (pm_is_system());
CREATE POLICY analytics_read ON payment_events FOR SELECT TO pm_analytics USING (true);
GRANT SELECT ON payment_events TO pm_analytics;

-- The audit log's events, widened by the payment events (whatever the events allowed before this
-- migration were, they stay allowed).
DO $$
DECLARE
    allowed text[];
BEGIN
    SELECT array_agg(DISTINCT m[1]) INTO allowed
    FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') AS m
    WHERE c.conname = 'valid_audit_event' AND c.conrelid = 'audit_log'::regclass;
    IF coalesce(array_length(allowed, 1), 0) < 10 THEN
        RAISE EXCEPTION 'valid_audit_event: could not read the events it allows';
    END IF;
    allowed := allowed || ARRAY['subscription_checkout', 'subscription_changed', 'subscription_cancel_requested'];
    ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
    -- The same form as before (event IN ('a', 'b', ...)), so a later migration can read it alike.
    EXECUTE format('ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN (%s))',
                   (SELECT string_agg(quote_literal(e), ', ' ORDER BY e) FROM unnest(allowed) AS e));
END $$;

GRANT SELECT (provider, provider_customer_id, provider_subscription_id, card_brand, grace_until, provider_state_at)
    ON subscription_details TO pm_analytics;
