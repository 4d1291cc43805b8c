-- 0029_published_views (down): undoes 0029_published_views.up.sql.
DROP VIEW conversation_messages;
DROP VIEW match_conversations;
DROP VIEW match_pairs;
DROP VIEW plan_standings;
DROP VIEW completed_questionnaires;
DROP VIEW profile_thumbnails;
DROP VIEW report_queue;
DROP VIEW mail_languages;
DROP VIEW notification_preferences;
DROP VIEW search_preferences;
DROP VIEW blocked_pairs;
DROP VIEW user_profiles;
