-- 0056_ended_provider_subscription (up): the subscription the provider ended for good (deleted, or
-- `canceled` / `incomplete_expired`, which it never leaves). Its later events are ignored: one
-- stamped the same second as the deletion but delivered after it (the provider stamps whole
-- seconds and does not keep the order), or the final invoice of a cancellation, would otherwise
-- put a deleted subscription back in force, premium that nobody pays for (docs/subscriptions.md).
ALTER TABLE subscription_details ADD COLUMN provider_ended_subscription_id TEXT;
-- The subscriptions the provider deleted before this migration: their deletion is in
-- payment_events (the rows are the system's: said as such, as a migration that touches rows must).
SELECT set_config('pm.system', 'on', true);
UPDATE subscription_details s SET provider_ended_subscription_id = s.provider_subscription_id
WHERE s.provider_subscription_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM payment_events e
    WHERE e.provider_subscription_id = s.provider_subscription_id AND e.outcome = 'applied'
      AND e.event_type = 'customer.subscription.deleted');
SELECT set_config('pm.system', 'off', true);
