-- 0044_replaced_provider_subscription (up): the "free" plan given by staff over a subscription
-- the person pays through the provider cancels that subscription there (a job); its id is kept so
-- that the provider's later events about it (its deletion, an invoice already under way) neither
-- end the staff's plan nor bring the paid one back (docs/subscriptions.md).
ALTER TABLE subscription_details ADD COLUMN provider_replaced_subscription_id TEXT;
