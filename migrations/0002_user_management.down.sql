-- 0002_user_management (down): drops the tables of 0002_user_management.up.sql
-- (their indexes and constraints go with them); users last, everything refers to it.

DROP TABLE subscription_details;
DROP TABLE user_preferences;
DROP TABLE profile_media;
DROP TABLE users;
