-- 0015_plans_and_entitlements (down): undoes 0015_plans_and_entitlements.up.sql.
DROP INDEX idx_matches_passed_by;
ALTER TABLE matches DROP COLUMN passed_at;
ALTER TABLE matches DROP COLUMN passed_by;
ALTER TABLE subscription_details DROP COLUMN cancel_at_period_end;
DROP TABLE plan_prices;
DROP TABLE plans;
