-- 0056_ended_provider_subscription (up): the subscription the provider ended for good (deleted, or
-- `canceled` / `incomplete_expired`, which it never leaves). Its later events are ignored: one
-- stamped the same second as the deletion but delivered after it (the provider stamps whole
-- seconds and does not keep the order), or the final invoice of a cancellation, would otherwise
-- put a deleted subscription back in force, premium that nobody pays for (docs/subscriptions.md).
ALTER TABLE subscription_details ADD COLUMN provider_ended_subscription_id TEXT;
