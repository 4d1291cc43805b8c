-- 0056_ended_provider_subscription (down)
ALTER TABLE subscription_details DROP COLUMN provider_ended_subscription_id;
