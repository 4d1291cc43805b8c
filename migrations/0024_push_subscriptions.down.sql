-- 0024_push_subscriptions (down): undoes 0024_push_subscriptions.up.sql.
DROP TABLE push_deliveries;
DROP TABLE push_subscriptions;
