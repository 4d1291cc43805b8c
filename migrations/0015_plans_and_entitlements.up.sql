-- 0015_plans_and_entitlements: plans as data. What each plan unlocks (its entitlements) and what it
-- costs per billing interval and currency live in two tables that subscriptions::entitlements_of()
-- reads; subscription_details.plan_type names a plan. A pass records who passed and when, so a
-- premium user can rewind their last pass.
CREATE TABLE plans (
    plan_id TEXT PRIMARY KEY CONSTRAINT valid_plan_id CHECK (plan_id ~ '^[a-z][a-z0-9_-]{0,49}$'),
    name TEXT NOT NULL,
    display_order INT NOT NULL CONSTRAINT unique_plan_order UNIQUE,
    -- {full_insights, premium_questions, who_liked_me, rewind: bool; generations_per_day: int;
    --  likes_per_day: int, or null for no limit}
    entitlements JSONB NOT NULL CONSTRAINT entitlements_object CHECK (jsonb_typeof(entitlements) = 'object')
);

CREATE TABLE plan_prices (
    plan_id TEXT NOT NULL REFERENCES plans(plan_id) ON DELETE CASCADE,
    billing_interval TEXT NOT NULL CONSTRAINT valid_billing_interval CHECK (billing_interval IN ('month', 'year')),
    currency TEXT NOT NULL CONSTRAINT valid_currency CHECK (currency ~ '^[A-Z]{3}$'),
    amount_minor INT NOT NULL CONSTRAINT positive_amount CHECK (amount_minor > 0),  -- cents, pence, ...
    PRIMARY KEY (plan_id, billing_interval, currency)
);

INSERT INTO plans (plan_id, name, display_order, entitlements) VALUES
    ('free', 'Free', 1, '{"full_insights": false, "premium_questions": false, "who_liked_me": false,
                          "rewind": false, "generations_per_day": 3, "likes_per_day": 50}'),
    ('premium', 'Premium', 2, '{"full_insights": true, "premium_questions": true, "who_liked_me": true,
                                "rewind": true, "generations_per_day": 20, "likes_per_day": null}');

INSERT INTO plan_prices (plan_id, billing_interval, currency, amount_minor) VALUES
    ('premium', 'month', 'USD', 1499), ('premium', 'month', 'EUR', 1399), ('premium', 'month', 'GBP', 1199),
    ('premium', 'year', 'USD', 11999), ('premium', 'year', 'EUR', 10999), ('premium', 'year', 'GBP', 9599);

-- A paid plan that ends at the end of the period it is paid for (cancelled, not yet ended).
ALTER TABLE subscription_details ADD COLUMN cancel_at_period_end BOOLEAN NOT NULL DEFAULT false;

-- Who passed on a match (pending -> rejected) and when; an unmatch leaves them NULL.
ALTER TABLE matches ADD COLUMN passed_by UUID REFERENCES users(user_id) ON DELETE SET NULL;
ALTER TABLE matches ADD COLUMN passed_at TIMESTAMP WITH TIME ZONE;
CREATE INDEX idx_matches_passed_by ON matches(passed_by, passed_at DESC) WHERE passed_by IS NOT NULL;

-- Plans hold no user's data: no row-level security (as the question bank). The analytics role
-- reads them, and the new columns.
GRANT SELECT ON plans, plan_prices TO pm_analytics;
GRANT SELECT (cancel_at_period_end) ON subscription_details TO pm_analytics;
GRANT SELECT (passed_by, passed_at) ON matches TO pm_analytics;
