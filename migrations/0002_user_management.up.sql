-- 0002_user_management (up): the seed's User Management Schema, verbatim:
-- users, profile_media, user_preferences, subscription_details, with their
-- constraints and indexes (names as in the seed).

-- User Table
CREATE TABLE users (
    user_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    email VARCHAR(255) UNIQUE NOT NULL,
    password_hash VARCHAR(255),
    auth_provider VARCHAR(50),
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    birth_date DATE,
    gender VARCHAR(50),
    seeking_gender VARCHAR(50),
    location VARCHAR(255),
    bio TEXT,
    profile_completed BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    last_active TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    profile_visibility VARCHAR(50) DEFAULT 'matches_only'
);

CREATE INDEX idx_users_email ON users(email);
CREATE INDEX idx_users_location ON users(location);
CREATE INDEX idx_users_gender_seeking ON users(gender, seeking_gender);
CREATE INDEX idx_users_profile_visibility ON users(profile_visibility);

-- Profile Media Table
CREATE TABLE profile_media (
    media_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    media_type VARCHAR(50) NOT NULL,
    url VARCHAR(255) NOT NULL,
    display_order INT NOT NULL,
    uploaded_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
    
    CONSTRAINT unique_user_display_order UNIQUE (user_id, display_order)
);

CREATE INDEX idx_profile_media_user_id ON profile_media(user_id);

-- User Preferences Table
CREATE TABLE user_preferences (
    pref_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    notification_settings JSONB NOT NULL DEFAULT '{}',
    privacy_settings JSONB NOT NULL DEFAULT '{}',
    max_distance INT,
    min_age INT,
    max_age INT,
    
    CONSTRAINT unique_user_preferences UNIQUE (user_id)
);

CREATE INDEX idx_user_preferences_user_id ON user_preferences(user_id);

-- Subscription Details Table
CREATE TABLE subscription_details (
    subscription_id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id UUID NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    plan_type VARCHAR(50) NOT NULL,
    start_date TIMESTAMP WITH TIME ZONE NOT NULL,
    end_date TIMESTAMP WITH TIME ZONE,
    payment_status VARCHAR(50) NOT NULL,
    payment_method VARCHAR(50),
    
    CONSTRAINT unique_user_subscription UNIQUE (user_id)
);

CREATE INDEX idx_subscription_user_id ON subscription_details(user_id);
CREATE INDEX idx_subscription_end_date ON subscription_details(end_date);
CREATE INDEX idx_subscription_plan_type ON subscription_details(plan_type);
