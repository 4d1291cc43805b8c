-- 0018_payments (down): undoes 0018_payments.up.sql. The audit log is append-only (0012): entries of
-- the payment events stay, so the narrower check is not validated against existing rows (NOT VALID).
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
    allowed := array_remove(array_remove(array_remove(allowed, 'subscription_checkout'), 'subscription_changed'),
                            'subscription_cancel_requested');
    ALTER TABLE audit_log DROP CONSTRAINT valid_audit_event;
    EXECUTE format('ALTER TABLE audit_log ADD CONSTRAINT valid_audit_event CHECK (event IN (%s)) NOT VALID',
                   (SELECT string_agg(quote_literal(e), ', ' ORDER BY e) FROM unnest(allowed) AS e));
END $$;
DROP TABLE payment_events;
DROP INDEX idx_subscription_lapsing;
DROP INDEX idx_subscription_provider_customer;
DROP INDEX idx_subscription_provider_subscription;
ALTER TABLE subscription_details DROP COLUMN provider_state_at;
ALTER TABLE subscription_details DROP COLUMN grace_until;
ALTER TABLE subscription_details DROP COLUMN card_last4;
ALTER TABLE subscription_details DROP COLUMN card_brand;
ALTER TABLE subscription_details DROP COLUMN provider_subscription_id;
ALTER TABLE subscription_details DROP COLUMN provider_customer_id;
ALTER TABLE subscription_details DROP COLUMN provider;
