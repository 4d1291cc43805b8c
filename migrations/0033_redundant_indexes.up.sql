-- 0033_redundant_indexes (docs/schema.md "Indexes"):
--   Drops every B-tree index whose columns, in order, are the leading columns of another index on
--   the same table (a unique constraint's index included). PostgreSQL answers every lookup, range
--   and foreign-key cascade the narrow index served from the wider one, so the narrow one only
--   costs: an entry written, logged and archived for every row inserted. The seed declared several
--   of them beside unique constraints on the same columns; batch generation wrote 33 index entries
--   a match, 9 of them into these (6 for the attributes alone), and every chat message one more.
--   The logical schema (tables, columns, constraints, keys) is unchanged, and every lookup the
--   seed indexed is still served by an index: test Schema.EverySeedIndexedLookupIsStillIndexed,
--   and Schema.NoIndexIsALeadingPartOfAnother keeps new ones from coming back.
DROP INDEX idx_users_email;                       -- users_email_key (email)
DROP INDEX idx_profile_media_user_id;             -- unique_user_display_order (user_id, display_order)
DROP INDEX idx_user_preferences_user_id;          -- unique_user_preferences (user_id)
DROP INDEX idx_subscription_user_id;              -- unique_user_subscription (user_id)
DROP INDEX idx_answers_user_id;                   -- unique_user_question_answer (user_id, question_id)
DROP INDEX idx_matches_user_id_1;                 -- unique_user_pair (user_id_1, user_id_2)
DROP INDEX idx_matches_user_id_2;                 -- idx_matches_user_2_rank (user_id_2, rank_key DESC, match_id)
DROP INDEX idx_insights_match_id;                 -- unique_match_insight (match_id)
DROP INDEX idx_match_attributes_match_id;         -- unique_match_attribute (match_id, attribute_name)
DROP INDEX idx_conversations_match_id;            -- unique_match_conversation (match_id)
DROP INDEX idx_notification_outbox_notification;  -- unique_notification_channel (notification_id, channel)
DROP INDEX idx_messages_conversation_id;          -- idx_messages_conversation_seq (conversation_id, seq), every month's
DROP INDEX idx_notifications_user_id;             -- idx_notifications_user_created (user_id, created_at DESC, ...), every month's
