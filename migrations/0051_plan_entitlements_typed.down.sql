-- 0051_plan_entitlements_typed (down): the entitlements' types no longer checked.
ALTER TABLE plans DROP CONSTRAINT entitlements_typed;
