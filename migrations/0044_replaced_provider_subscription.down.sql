-- 0044_replaced_provider_subscription (down)
ALTER TABLE subscription_details DROP COLUMN provider_replaced_subscription_id;
