-- 0029_published_views (issue 10; docs/architecture.md "Tables: who owns what, and the views
-- modules publish"): a module's tables are its own; what another module needs of them it reads
-- through a view the owner publishes here, named for what it offers, with only the columns its
-- readers need. The owner may change its tables as long as its views keep their columns.
--
-- Each view runs with the privileges and row-level policies of whoever queries it
-- (security_invoker), so a user reads through a view exactly the rows the tables' policies give
-- them (0011). Each is a plain projection of one table (or one join), which PostgreSQL inlines
-- into the query that names it: the plans are the ones the tables had. The single-table ones are
-- also writable where the owner says so below. Tables created later get pm_app's grants by the
-- default privileges of 0011; views are relations like them and get the same. pm_analytics is
-- granted none: it reads the tables, column by column.

-- auth (users): a person's profile fields and the account facts a profile shows, without the
-- credentials (password hash, email index, password change). profiles reads and writes a profile
-- through it; matching, messaging and staff read names, ages, places and standing.
CREATE VIEW user_profiles WITH (security_invoker = true) AS
    SELECT user_id, email, email_verified_at, auth_provider, first_name, last_name, birth_date, gender,
           seeking_gender, location, location_point, bio, profile_visibility, profile_completed, created_at,
           last_active, updated_at, suspended_until, banned_at
    FROM users;

-- profiles (user_blocks): who blocked whom, for everything a block hides (matching, messaging,
-- notifications).
CREATE VIEW blocked_pairs WITH (security_invoker = true) AS
    SELECT blocker_id, blocked_id, created_at FROM user_blocks;
-- profiles (user_preferences): what matching searches with.
CREATE VIEW search_preferences WITH (security_invoker = true) AS
    SELECT user_id, min_age, max_age, max_distance, privacy_settings, updated_at FROM user_preferences;
-- profiles (user_preferences): a user's notification settings, read and written by notifications
-- (PUT /notifications/settings).
CREATE VIEW notification_preferences WITH (security_invoker = true) AS
    SELECT user_id, notification_settings FROM user_preferences;
-- profiles (user_preferences): the language auth writes a user's mails in.
CREATE VIEW mail_languages WITH (security_invoker = true) AS
    SELECT user_id, language FROM user_preferences;
-- profiles (user_reports): the reports people filed, which staff work through: read, and
-- resolved (status, resolution, resolved_by, resolved_at) through it.
CREATE VIEW report_queue WITH (security_invoker = true) AS
    SELECT report_id, reporter_id, reported_id, reason, details, status, resolution, resolved_by, created_at,
           resolved_at
    FROM user_reports;
-- profiles (profile_media): the thumbnails of a user's photos, in their order (matching's match
-- cards show the first).
CREATE VIEW profile_thumbnails WITH (security_invoker = true) AS
    SELECT user_id, thumbnail_url, display_order FROM profile_media;

-- questionnaire (questionnaire_responses): who completed which bank, and when their response last
-- changed (matching's vectors follow it).
CREATE VIEW completed_questionnaires WITH (security_invoker = true) AS
    SELECT user_id, bank_key, updated_at FROM questionnaire_responses WHERE (doc->>'completedAt') IS NOT NULL;

-- subscriptions (subscription_details): a user's plan and how it is paid (staff's user look-up).
CREATE VIEW plan_standings WITH (security_invoker = true) AS
    SELECT user_id, plan_type, payment_status, payment_method, end_date FROM subscription_details;

-- matching (matches): the two people of a match, its status and ranking (messaging: who may talk;
-- notifications: a pair's matches; profiles: who may see a matches-only profile; staff: a pair's
-- conversation).
CREATE VIEW match_pairs WITH (security_invoker = true) AS
    SELECT match_id, user_id_1, user_id_2, status, ranking, created_at FROM matches;

-- messaging (conversations): a match's conversation. matching opens one on a mutual like by
-- inserting a match_id here (the conversation's other columns take their defaults).
CREATE VIEW match_conversations WITH (security_invoker = true) AS
    SELECT conversation_id, match_id FROM conversations;
-- messaging (messages, conversations): each message with the two people of its conversation
-- (staff read the conversation of a reported pair).
CREATE VIEW conversation_messages WITH (security_invoker = true) AS
    SELECT m.message_id, m.conversation_id, m.sender_id, m.message_type, m.content, m.media_url, m.sent_at,
           p.user_id_1, p.user_id_2
    FROM messages m JOIN conversations c ON c.conversation_id = m.conversation_id
    JOIN match_pairs p ON p.match_id = c.match_id;
