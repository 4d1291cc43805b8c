-- 0051_plan_entitlements_typed: plans are data, edited by hand (docs/subscriptions.md); an
-- entitlement of the wrong type is refused here rather than read wrongly. A "likes_per_day" of 50.0
-- or "50" read as no limit (free likes for everyone on the plan), and a "rewind" of "yes" failed
-- every gated request. Switches are booleans, counts whole numbers from 0, and likes_per_day also
-- null (no limit).
ALTER TABLE plans ADD CONSTRAINT entitlements_typed CHECK (
    (NOT entitlements ? 'full_insights' OR jsonb_typeof(entitlements -> 'full_insights') = 'boolean')
    AND (NOT entitlements ? 'premium_questions' OR jsonb_typeof(entitlements -> 'premium_questions') = 'boolean')
    AND (NOT entitlements ? 'who_liked_me' OR jsonb_typeof(entitlements -> 'who_liked_me') = 'boolean')
    AND (NOT entitlements ? 'rewind' OR jsonb_typeof(entitlements -> 'rewind') = 'boolean')
    AND (NOT entitlements ? 'generations_per_day'
         OR (jsonb_typeof(entitlements -> 'generations_per_day') = 'number'
             AND (entitlements ->> 'generations_per_day') ~ '^[0-9]{1,9}$'))
    AND (NOT entitlements ? 'likes_per_day'
         OR jsonb_typeof(entitlements -> 'likes_per_day') = 'null'
         OR (jsonb_typeof(entitlements -> 'likes_per_day') = 'number'
             AND (entitlements ->> 'likes_per_day') ~ '^[0-9]{1,9}$'))
);
