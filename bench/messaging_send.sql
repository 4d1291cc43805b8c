-- pgbench script: the SQL of one message send as the server runs it (messaging::Service::send with
-- its repositories: the conversation locked, the retry lookup, the next seq, the message and its
-- document, the message read back, the recipient's settings, the coalesced notification: its group
-- claimed, then the notification made or folded into, as since 0020), for
-- bench/messaging.sh to run beside the load: `pgbench -M extended` sends each statement unprepared
-- (parse and plan every time) as libpqxx's exec_params does; `-M prepared` shows what prepared
-- statements would save. Not the Redis calls (rate limit, preview, publish). Needs bench_pairs
-- (n, conversation_id, user_id_1, user_id_2) and bench_iso(timestamptz), made by the script:
-- pgbench would take the colons of the to_char format for variables. Run with -D pairs=N.
\set n random(1, :pairs)
\set side random(0, 1)
\set cid random(1, 2000000000)
SELECT conversation_id AS conv, CASE WHEN :side = 0 THEN user_id_1 ELSE user_id_2 END AS sender, CASE WHEN :side = 0 THEN user_id_2 ELSE user_id_1 END AS recipient FROM bench_pairs WHERE n = :n \gset
BEGIN;
SELECT c.conversation_id, c.match_id, mt.user_id_1, mt.user_id_2, mt.status, bench_iso(c.created_at), bench_iso(c.last_message_at), c.last_seq, bench_iso(c.closed_at), c.close_reason, c.closed_by, (SELECT b.blocker_id FROM user_blocks b WHERE (b.blocker_id = mt.user_id_1 AND b.blocked_id = mt.user_id_2) OR (b.blocker_id = mt.user_id_2 AND b.blocked_id = mt.user_id_1) ORDER BY b.created_at LIMIT 1) FROM conversations c JOIN matches mt ON mt.match_id = c.match_id WHERE c.conversation_id = :conv::uuid AND :sender::uuid IN (mt.user_id_1, mt.user_id_2) FOR UPDATE OF c;
SELECT m.message_id, m.conversation_id, m.sender_id, d.recipient_id, m.message_type, m.content, m.media_url, bench_iso(m.sent_at), bench_iso(m.read_at), m.seq, d.reactions::text, d.metadata::text FROM messages m JOIN message_documents d ON d.message_id = m.message_id WHERE d.conversation_id = :conv::uuid AND d.sender_id = :sender::uuid AND d.metadata ? 'clientMessageId' AND d.metadata->>'clientMessageId' = 'x' || :cid::text;
UPDATE conversations SET last_seq = last_seq + 1, last_message_at = now() WHERE conversation_id = :conv::uuid RETURNING last_seq AS seq \gset
INSERT INTO messages (conversation_id, sender_id, message_type, content, media_url, seq) VALUES (:conv::uuid, :sender::uuid, 'text', 'load-test message 123456 sent 1234567890123456', NULL, :seq::bigint) RETURNING message_id AS mid, sent_at AS sat \gset
INSERT INTO message_documents (message_id, conversation_id, sender_id, recipient_id, metadata, sent_at) VALUES (:mid::uuid, :conv::uuid, :sender::uuid, :recipient::uuid, jsonb_build_object('isDeleted', false, 'appVersion', '', 'clientMessageId', 'x' || :cid::text), :sat::timestamptz);
SELECT m.message_id, m.conversation_id, m.sender_id, d.recipient_id, m.message_type, m.content, m.media_url, bench_iso(m.sent_at), bench_iso(m.read_at), m.seq, d.reactions::text, d.metadata::text FROM messages m JOIN message_documents d ON d.message_id = m.message_id WHERE m.message_id = :mid::uuid;
SELECT notification_settings::text FROM user_preferences WHERE user_id = :recipient::uuid;
INSERT INTO notification_groups AS g (user_id, type, group_key, notification_id, created_at) VALUES (:recipient::uuid, 'message.new', :conv::text, uuid_generate_v4(), now()) ON CONFLICT (user_id, type, group_key) DO UPDATE SET user_id = g.user_id RETURNING notification_id AS nid, created_at AS nat \gset
INSERT INTO notifications AS n (notification_id, user_id, type, content, is_read, group_key, created_at) VALUES (:nid::uuid, :recipient::uuid, 'message.new', '{"preview": "load-test message", "count": 1}'::jsonb, false, :conv::text, :nat::timestamptz) ON CONFLICT (notification_id, created_at) DO UPDATE SET content = EXCLUDED.content || jsonb_build_object('count', CASE WHEN jsonb_typeof(n.content->'count') = 'number' THEN (n.content->>'count')::numeric::int ELSE 1 END + 1) RETURNING notification_id, type, content::text, is_read IS TRUE, bench_iso(created_at), (extract(epoch FROM created_at) * 1000000)::bigint;
COMMIT;
