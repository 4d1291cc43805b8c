-- 0040_profile_has_password: the own profile says whether the account has a password, so the app
-- asks for one only where one exists (an account made with a provider has none until a reset sets
-- one). The fact, not the credential: the hash stays outside the view.
CREATE OR REPLACE VIEW user_profiles WITH (security_invoker = true) AS
    SELECT user_id, email, email_verified_at, auth_provider, first_name, last_name, birth_date, gender,
           seeking_gender, location, location_point, bio, profile_visibility, profile_completed, created_at,
           last_active, updated_at, suspended_until, banned_at, password_hash IS NOT NULL AS has_password
    FROM users;
