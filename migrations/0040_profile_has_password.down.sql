-- 0040_profile_has_password (down): undoes 0040_profile_has_password.up.sql (a view's column cannot
-- be dropped in place; nothing depends on the view).
DROP VIEW user_profiles;
CREATE VIEW user_profiles WITH (security_invoker = true) AS
    SELECT user_id, email, email_verified_at, auth_provider, first_name, last_name, birth_date, gender,
           seeking_gender, location, location_point, bio, profile_visibility, profile_completed, created_at,
           last_active, updated_at, suspended_until, banned_at
    FROM users;
