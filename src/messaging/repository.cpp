#include "messaging/repository.hpp"

#include <limits>

#include "db/prepared.hpp"
#include "db/row.hpp"
#include "db/sql.hpp"
#include "messaging/personal_data.hpp"

namespace pm::messaging::repository {

namespace {

// A conversation's columns (c) with its match's (mt) users and status; `blocker` is who blocked
// whom, if anyone did. Every read of a conversation names these (conversation_from reads them).
constexpr std::string_view kConversationColumns = R"sql(
         c.conversation_id, c.match_id, mt.user_id_1, mt.user_id_2, mt.status = 'active' AS match_active,
         to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
         to_char(c.last_message_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_message_at,
         c.last_seq, to_char(c.closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS closed_at,
         c.close_reason, c.closed_by, mt.ranking,
         extract(epoch FROM now() - c.user_1_first_message_at)::float8 AS user_1_first_message_age,
         extract(epoch FROM now() - c.user_2_first_message_at)::float8 AS user_2_first_message_age,
         (SELECT b.blocker_id FROM blocked_pairs b
          WHERE (b.blocker_id = mt.user_id_1 AND b.blocked_id = mt.user_id_2)
             OR (b.blocker_id = mt.user_id_2 AND b.blocked_id = mt.user_id_1)
          ORDER BY b.created_at LIMIT 1) AS blocker
)sql";
// A conversation (c, mt), with whether each user's account is suspended or banned now.
const std::string kConversationSelect = "SELECT " + std::string(kConversationColumns) + R"sql(,
         EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = mt.user_id_1
                   AND (p.banned_at IS NOT NULL OR p.suspended_until > now())) AS user_1_restricted,
         EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = mt.user_id_2
                   AND (p.banned_at IS NOT NULL OR p.suspended_until > now())) AS user_2_restricted
  FROM conversations c JOIN match_pairs mt ON mt.match_id = c.match_id
)sql";
// Conversation $1, if user $2 is one of its users.
const std::string kConversationFor = kConversationSelect + R"sql(
  WHERE c.conversation_id = $1 AND $2 IN (mt.user_id_1, mt.user_id_2)
)sql";
// The conversations' row locks, by who takes them: a send (here, and a batch's below) takes FOR NO
// KEY UPDATE, which excludes other sends to the conversation and its close; the notifications'
// drain takes FOR KEY SHARE (kLockOpenConversations), which excludes only a close (FOR UPDATE,
// kCloseBetween). So a drain never holds up a send (it held the conversations of ~200 ms of
// messages for its whole transaction, and a node's send lane waited on it), and a close still
// waits for the drain, whose notifications the block that closed then removes.
// Conversation $1 if user $2 is one of its users, as kConversationFor, its row locked for the
// transaction (a send's lock).
const std::string kConversationForUpdate = kConversationSelect + R"sql(
  WHERE c.conversation_id = $1 AND $2 IN (mt.user_id_1, mt.user_id_2)
  FOR NO KEY UPDATE OF c
)sql";
// Conversation $1 if user $2 is one of its users, as kConversationFor, locked against a close only.
const std::string kConversationForKeyShare = kConversationSelect + R"sql(
  WHERE c.conversation_id = $1 AND $2 IN (mt.user_id_1, mt.user_id_2)
  FOR KEY SHARE OF c
)sql";
// Conversations $1 (an array), locked in the order of their ids: two batches that share
// conversations lock them in the same order and never deadlock.
const std::string kLockConversations = kConversationSelect + R"sql(
  WHERE c.conversation_id = ANY($1::uuid[])
  ORDER BY c.conversation_id
  FOR NO KEY UPDATE OF c
)sql";
constexpr const char* kLockOpenConversations = R"sql(
  SELECT conversation_id FROM conversations WHERE conversation_id = ANY($1::uuid[]) AND closed_at IS NULL
  ORDER BY conversation_id FOR KEY SHARE
)sql";
constexpr const char* kLockConversation = R"sql(
  SELECT 1 FROM conversations WHERE conversation_id = $1 FOR UPDATE
)sql";
constexpr const char* kDeletedAmong = R"sql(
  SELECT message_id::text AS message_id FROM message_documents
  WHERE message_id = ANY($1::uuid[]) AND coalesce((metadata->>'isDeleted')::boolean, false)
)sql";
// ... and the sender's first message time, if this is their first ($2: the sender is the match's user 1).
constexpr const char* kNextSeq = R"sql(
  UPDATE conversations SET last_seq = last_seq + 1, last_message_at = now(),
         user_1_first_message_at = CASE WHEN $2 THEN coalesce(user_1_first_message_at, now())
                                        ELSE user_1_first_message_at END,
         user_2_first_message_at = CASE WHEN $2 THEN user_2_first_message_at
                                        ELSE coalesce(user_2_first_message_at, now()) END
  WHERE conversation_id = $1
  RETURNING last_seq
)sql";

// Message: a message row (m) with its document (d). Both tables are partitioned by month of
// sent_at, and the join names it: each message's document is then looked up in its own month's
// partition, not in every month's index.
// A read made while either person withheld receipts never shows its time (`read_receipt_withheld`,
// docs/messaging.md): not then, nor once both share them again.
const std::string kMessageSelect = R"sql(
  SELECT m.message_id, m.conversation_id, m.sender_id, d.recipient_id, m.message_type, m.content, m.media_url,
         to_char(m.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS sent_at,
         CASE WHEN NOT m.read_receipt_withheld
              THEN to_char(m.read_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END AS read_at,
         m.seq, d.reactions::text, d.metadata::text
  FROM messages m JOIN message_documents d ON d.message_id = m.message_id AND d.sent_at = m.sent_at
)sql";
const std::string kByClientId = kMessageSelect + R"sql(
  WHERE d.conversation_id = $1 AND d.sender_id = $2 AND d.metadata ? 'clientMessageId'
    AND d.metadata->>'clientMessageId' = $3
)sql";
const std::string kMessage = kMessageSelect + "WHERE m.message_id = $1";
// A page of conversation $1's messages between the order numbers $2 and $3 (exclusive), at most
// $4, in order: the first ones after $2 (paging forward)... $5, the conversation's creation, lets
// PostgreSQL skip the months before it (messages is partitioned by month of sent_at,
// migrations/0019); a day's margin covers a send whose transaction began, and took its sent_at,
// before the conversation's own committed.
const std::string kMessagesForward = "SELECT * FROM (" + kMessageSelect + R"sql(
    WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq < $3 AND m.sent_at >= $5::timestamptz - interval '1 day'
    ORDER BY m.seq ASC LIMIT $4) page
  ORDER BY seq ASC
)sql";
// ... or the last ones before $3 (the newest page, or paging backward).
const std::string kMessagesBackward = "SELECT * FROM (" + kMessageSelect + R"sql(
    WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq < $3 AND m.sent_at >= $5::timestamptz - interval '1 day'
    ORDER BY m.seq DESC LIMIT $4) page
  ORDER BY seq ASC
)sql";
constexpr const char* kInsertMessage = R"sql(
  INSERT INTO messages (conversation_id, sender_id, message_type, content, media_url, seq)
  VALUES ($1, $2, $3, $4, $5, $6) RETURNING message_id, sent_at::text
)sql";
// (sent_at: the document's key to its message, which is (message_id, sent_at) in a partitioned table)
constexpr const char* kInsertMessageDocument = R"sql(
  INSERT INTO message_documents (message_id, conversation_id, sender_id, recipient_id, metadata, sent_at)
  VALUES ($1, $2, $3, $4, $5::jsonb, $6::timestamptz)
)sql";
// The messages a batch's senders stored before under their client ids: the triples
// ($1 conversation, $2 sender, $3 client id) as arrays, each looked up on its own (LATERAL, kept
// apart by OFFSET 0: the index of 0021 answers each key; flattened into a join, PostgreSQL read the
// whole index of every message with a client id, once per batch). Only the ids: a retry is rare,
// and joining messages here made PostgreSQL read every message once per key.
constexpr const char* kByClientIds = R"sql(
  SELECT k.client_id, x.message_id
  FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS k(conversation_id, sender_id, client_id)
  CROSS JOIN LATERAL (
    SELECT d.message_id FROM message_documents d
    WHERE d.conversation_id = k.conversation_id AND d.sender_id = k.sender_id
      AND d.metadata ? 'clientMessageId' AND d.metadata->>'clientMessageId' = k.client_id
    OFFSET 0) x
)sql";
// A batch of messages in one statement, each input an array in the batch's order: the next order
// numbers of each conversation (in that order, under the locks the batch holds), the messages and
// their documents, and the conversations' last_seq, last_message_at and first message times
// ($8: the sender is the match's user 1). Returns the stored messages in the batch's order. (The
// "= ANY($1)" beside each join on conversations lets PostgreSQL find the batch's rows by their key
// whatever its statistics say; without it, it read the whole table twice per batch.)
constexpr const char* kInsertMessages = R"sql(
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[])
      WITH ORDINALITY AS i(conversation_id, sender_id, recipient_id, message_type, content, media_url, metadata, by_1, ord)
  ), numbered AS (
    SELECT i.*, c.last_seq + row_number() OVER (PARTITION BY i.conversation_id ORDER BY i.ord) AS seq
    FROM input i JOIN conversations c ON c.conversation_id = i.conversation_id AND c.conversation_id = ANY($1::uuid[])
  ), per_conversation AS (
    SELECT conversation_id, count(*) AS sent, bool_or(by_1) AS by_1, bool_or(NOT by_1) AS by_2
    FROM input GROUP BY conversation_id
  ), bumped AS (
    UPDATE conversations c SET last_seq = c.last_seq + p.sent, last_message_at = now(),
           user_1_first_message_at = CASE WHEN p.by_1 THEN coalesce(c.user_1_first_message_at, now())
                                          ELSE c.user_1_first_message_at END,
           user_2_first_message_at = CASE WHEN p.by_2 THEN coalesce(c.user_2_first_message_at, now())
                                          ELSE c.user_2_first_message_at END
    FROM per_conversation p WHERE c.conversation_id = p.conversation_id AND c.conversation_id = ANY($1::uuid[])
  ), inserted AS (
    INSERT INTO messages (conversation_id, sender_id, message_type, content, media_url, seq)
    SELECT conversation_id, sender_id, message_type, content, media_url, seq FROM numbered ORDER BY ord
    RETURNING message_id, conversation_id, seq, sent_at
  ), documents AS (
    INSERT INTO message_documents (message_id, conversation_id, sender_id, recipient_id, metadata, sent_at)
    SELECT s.message_id, n.conversation_id, n.sender_id, n.recipient_id, n.metadata::jsonb, s.sent_at
    FROM inserted s JOIN numbered n ON n.conversation_id = s.conversation_id AND n.seq = s.seq
    RETURNING message_id, reactions::text AS reactions, metadata::text AS metadata
  )
  SELECT s.message_id, n.conversation_id, n.sender_id, n.recipient_id, n.message_type, n.content, n.media_url,
         to_char(s.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS sent_at, NULL::text AS read_at,
         n.seq, d.reactions, d.metadata
  FROM inserted s JOIN numbered n ON n.conversation_id = s.conversation_id AND n.seq = s.seq
  JOIN documents d ON d.message_id = s.message_id
  ORDER BY n.ord
)sql";
constexpr const char* kMarkRead = R"sql(
  UPDATE messages SET read_at = now(), read_receipt_withheld = $4
  WHERE conversation_id = $1 AND sender_id <> $2 AND seq <= $3 AND read_at IS NULL
)sql";
constexpr const char* kReadUpTo = R"sql(
  SELECT coalesce(max(seq), 0) AS read_up_to FROM messages
  WHERE conversation_id = $1 AND sender_id <> $2 AND read_at IS NOT NULL
)sql";
// Whether users $1 and $2 both share read receipts and typing (privacy_settings.read_receipts, on
// unless set off, in the view of the preferences profiles publishes). Read as the caller, one of
// the two, who sees the other's row through their match; a row not seen counts as withheld.
constexpr const char* kSharesReceipts = R"sql(
  SELECT count(*) FILTER (WHERE coalesce((p.privacy_settings->>'read_receipts')::boolean, true)) = 2 AS shares
  FROM search_preferences p WHERE p.user_id IN ($1, $2)
)sql";
constexpr const char* kSetReactions = R"sql(
  UPDATE message_documents SET reactions = $2::jsonb WHERE message_id = $1
)sql";
// A deleted message keeps its place (seq, time, sender) and loses what it said: text and image.
// Conditional: a second deletion at the same moment waits for the first's row lock, then finds the
// row deleted (READ COMMITTED checks the condition again on the new row) and changes nothing.
constexpr const char* kMarkDeleted = R"sql(
  UPDATE message_documents SET metadata = metadata || '{"isDeleted": true}'
  WHERE message_id = $1 AND NOT COALESCE((metadata->>'isDeleted')::boolean, false)
)sql";
constexpr const char* kEraseContent = R"sql(
  UPDATE messages SET content = NULL, media_url = NULL WHERE message_id = $1
)sql";

// ConversationRow: user $1's conversations, newest first, after the cursor ($2 last_message_at in
// microseconds since the epoch, exact: group commit gives a batch's conversations one now(), and a
// cursor cut to milliseconds skipped those sharing it; $3 conversation_id; NULL: the first page), at
// most $4. The other user, the unread count and the
// last message (its columns named last_*) come with each. A block hides the conversation from
// the one blocked; the blocker keeps the history.
const std::string kConversations = "SELECT " + std::string(kConversationColumns) + R"sql(,
         (extract(epoch FROM c.last_message_at) * 1000000)::bigint AS last_message_us,
         -- (whether either account is restricted decides only what may be sent: not read for a list)
         false AS user_1_restricted, false AS user_2_restricted,
         (SELECT jsonb_build_object('user_id', u.user_id, 'first_name', u.first_name)::text FROM user_profiles u
          WHERE u.user_id = CASE WHEN mt.user_id_1 = $1 THEN mt.user_id_2 ELSE mt.user_id_1 END) AS other_user,
         -- a closed conversation has nothing unread: reading it stamps nothing the other would see
         (SELECT count(*) FROM messages x
          WHERE x.conversation_id = c.conversation_id AND x.sender_id <> $1 AND x.read_at IS NULL
            AND c.closed_at IS NULL)::int AS unread,
         last.*
  FROM conversations c JOIN match_pairs mt ON mt.match_id = c.match_id
  LEFT JOIN LATERAL (
    SELECT m.message_id AS last_message_id,
           coalesce((d.metadata->>'isDeleted')::boolean, false) AS last_deleted
    FROM messages m JOIN message_documents d ON d.message_id = m.message_id AND d.sent_at = m.sent_at
    WHERE m.conversation_id = c.conversation_id ORDER BY m.seq DESC LIMIT 1) last ON true
  WHERE $1 IN (mt.user_id_1, mt.user_id_2)
    AND NOT EXISTS (SELECT 1 FROM blocked_pairs b WHERE b.blocked_id = $1 AND b.blocker_id IN (mt.user_id_1, mt.user_id_2))
    AND ($2::bigint IS NULL
         OR (c.last_message_at, c.conversation_id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid))
  ORDER BY c.last_message_at DESC, c.conversation_id DESC LIMIT $4
)sql";

// The last message of each conversation of $1 (an array) that has one: the list's previews that
// Redis did not hold.
const std::string kLastMessages = R"sql(
  SELECT last.* FROM unnest($1::uuid[]) w(conversation_id)
  CROSS JOIN LATERAL ()sql" + kMessageSelect +
                                  R"sql(
    WHERE m.conversation_id = w.conversation_id ORDER BY m.seq DESC LIMIT 1) last
)sql";

// Closes the open conversation between $1 and $2 (reason $3, by $4). Locked FOR UPDATE first: an
// UPDATE alone would take FOR NO KEY UPDATE, which does not wait for a notifications' drain that
// holds the conversation (see kLockOpenConversations).
constexpr const char* kCloseBetween = R"sql(
  WITH locked AS (
    SELECT c.conversation_id FROM conversations c JOIN match_pairs mt ON mt.match_id = c.match_id
    WHERE c.closed_at IS NULL
      AND ((mt.user_id_1 = $1 AND mt.user_id_2 = $2) OR (mt.user_id_1 = $2 AND mt.user_id_2 = $1))
    FOR UPDATE OF c
  )
  UPDATE conversations c SET closed_at = now(), close_reason = $3, closed_by = $4 FROM locked l
  WHERE c.conversation_id = l.conversation_id AND c.closed_at IS NULL
  RETURNING c.conversation_id
)sql";
// Closes every open conversation of $1 as an unmatch by $1 (a ban), locked in one order as the
// account's deletion locks them (kLockConversationsOf): each with the other person.
constexpr const char* kCloseAllOf = R"sql(
  WITH locked AS (
    SELECT c.conversation_id, CASE WHEN mt.user_id_1 = $1 THEN mt.user_id_2 ELSE mt.user_id_1 END AS other_id
    FROM conversations c JOIN match_pairs mt ON mt.match_id = c.match_id
    WHERE c.closed_at IS NULL AND (mt.user_id_1 = $1 OR mt.user_id_2 = $1)
    ORDER BY c.conversation_id FOR UPDATE OF c
  )
  UPDATE conversations c SET closed_at = now(), close_reason = 'unmatched', closed_by = $1 FROM locked l
  WHERE c.conversation_id = l.conversation_id AND c.closed_at IS NULL
  RETURNING c.conversation_id, l.other_id
)sql";
// Chat uploads: recorded when stored, forgotten when sent, and those left unsent for $1 hours
// claimed (at most $2) to have their images deleted.
constexpr const char* kRecordUpload = R"sql(
  INSERT INTO chat_uploads (media_key, user_id, conversation_id) VALUES ($1, $2, $3)
)sql";
constexpr const char* kTakeUpload = R"sql(DELETE FROM chat_uploads WHERE media_key = $1 RETURNING media_key)sql";
constexpr const char* kDeleteUnsentUploads = R"sql(
  DELETE FROM chat_uploads
  WHERE media_key IN (SELECT media_key FROM chat_uploads WHERE created_at < now() - make_interval(hours => $1)
                      ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING media_key
)sql";

constexpr const char* kDeleteOlderThan = R"sql(
  DELETE FROM messages
  WHERE message_id IN (SELECT message_id FROM messages WHERE sent_at < now() - make_interval(days => $1)
                       ORDER BY sent_at LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING media_url
)sql";

// One row per photo of the dropped months (one with a NULL key when they had none).
constexpr const char* kDropExpiredMonths = R"sql(
  SELECT d.dropped_messages, k.media_key
  FROM pm_drop_expired_message_months($1) d LEFT JOIN LATERAL unnest(d.media_keys) k(media_key) ON true
)sql";

Conversation conversation_from(const pqxx::row& r) {
  return {.conversation_id = r["conversation_id"].as<ConversationId>(),
          .match_id = r["match_id"].as<MatchId>(),
          .user_1 = r["user_id_1"].as<UserId>(),
          .user_2 = r["user_id_2"].as<UserId>(),
          .created_at = r["created_at"].as<std::string>(),
          .last_message_at = r["last_message_at"].as<std::string>(),
          .match_active = r["match_active"].as<bool>(),
          .last_seq = r["last_seq"].as<long long>(),
          .closed_at = db::opt<std::string>(r, "closed_at"),
          // the table's CHECK names the reasons
          .close_reason = close_reason_from(db::opt<std::string>(r, "close_reason").value_or("")),
          .closed_by = db::opt<UserId>(r, "closed_by"),
          .blocker = db::opt<UserId>(r, "blocker"),
          .ranking = r["ranking"].as<std::string>(),
          .first_message_age_1 = db::opt<double>(r, "user_1_first_message_age"),
          .first_message_age_2 = db::opt<double>(r, "user_2_first_message_age"),
          .restricted_1 = r["user_1_restricted"].as<bool>(),
          .restricted_2 = r["user_2_restricted"].as<bool>()};
}

Message message_from(const pqxx::row& r) {
  return {.message_id = r["message_id"].as<MessageId>(),
          .conversation_id = r["conversation_id"].as<ConversationId>(),
          .sender_id = r["sender_id"].as<UserId>(),
          .recipient_id = r["recipient_id"].as<UserId>(),
          // the table's CHECK names the types
          .type = message_type_from(r["message_type"].as<std::string>()).value(),
          .sent_at = r["sent_at"].as<std::string>(),
          .seq = r["seq"].as<long long>(),
          .content = db::opt<std::string>(r, "content"),
          .media_key = db::opt<std::string>(r, "media_url"),
          .read_at = db::opt<std::string>(r, "read_at"),
          .reactions = Json::parse(r["reactions"].as<std::string>()),
          .metadata = Json::parse(r["metadata"].as<std::string>())};
}

// The data export's part (personal_data.hpp).
constexpr std::pair<const char*, const char*> kExportQueries[] = {
    // (without when the other read them: their behaviour, and not shared while either withholds receipts)
    {"messages_sent",
     R"sql(SELECT to_jsonb(t) - 'read_at' - 'read_receipt_withheld' AS entry FROM messages t WHERE sender_id = $1
           ORDER BY sent_at)sql"},
};
// The conversations of user $1, locked for their deletion with the account, in the order of their
// ids, before the user's row: a send and the notifications' drain lock their conversations (in id
// order) before their foreign keys lock a user's row. The other way round, a deletion that met a
// drain deadlocked with it (and failed with a 500).
constexpr const char* kLockConversationsOf = R"sql(
  SELECT c.conversation_id FROM conversations c JOIN match_pairs mt ON mt.match_id = c.match_id
  WHERE mt.user_id_1 = $1 OR mt.user_id_2 = $1
  ORDER BY c.conversation_id FOR UPDATE OF c
)sql";
constexpr const char* kUserSummary = R"sql(
  SELECT jsonb_build_object('user_id', u.user_id, 'first_name', u.first_name)::text AS summary FROM user_profiles u
  WHERE u.user_id = $1
)sql";
// The images of the user's conversations, sent or only uploaded (personal_data.hpp).
constexpr const char* kConversationObjects = R"sql(
  SELECT m.media_url AS media_key
  FROM match_pairs mt JOIN conversations c ON c.match_id = mt.match_id JOIN messages m ON m.conversation_id = c.conversation_id
  WHERE (mt.user_id_1 = $1 OR mt.user_id_2 = $1) AND m.media_url IS NOT NULL
  UNION ALL
  SELECT u.media_key
  FROM match_pairs mt JOIN conversations c ON c.match_id = mt.match_id JOIN chat_uploads u ON u.conversation_id = c.conversation_id
  WHERE mt.user_id_1 = $1 OR mt.user_id_2 = $1
)sql";

}  // namespace

std::optional<Conversation> conversation_for(pqxx::work& tx, const ConversationId& conversation_id,
                                             const UserId& user_id, Lock lock) {
  const std::string& statement = lock == Lock::send    ? kConversationForUpdate
                                 : lock == Lock::close ? kConversationForKeyShare
                                                       : kConversationFor;
  auto rows = tx.exec_params(statement, conversation_id, user_id);
  if (rows.empty()) return std::nullopt;
  return conversation_from(rows[0]);
}

long long next_seq(pqxx::work& tx, const Conversation& c, const UserId& sender_id) {
  return tx.exec_params1(kNextSeq, c.conversation_id, sender_id == c.user_1)["last_seq"].as<long long>();
}

std::optional<Message> by_client_id(pqxx::work& tx, const ConversationId& conversation_id, const UserId& sender_id,
                                    const std::string& client_message_id) {
  auto rows = tx.exec_params(kByClientId, conversation_id, sender_id, client_message_id);
  if (rows.empty()) return std::nullopt;
  return message_from(rows[0]);
}

Message insert_message(pqxx::work& tx, const Conversation& c, const UserId& sender_id, long long seq,
                       const MessageInput& in, const std::string& app_version) {
  auto row = tx.exec_params1(kInsertMessage, c.conversation_id, sender_id, std::string(to_string(in.type)),
                             in.content.empty() ? std::nullopt : std::optional(in.content),
                             in.media_key.empty() ? std::nullopt : std::optional(in.media_key), seq);
  const auto id = row["message_id"].as<MessageId>();
  Json metadata = {{"isDeleted", false}, {"clientMessageId", in.client_message_id}, {"appVersion", app_version}};
  tx.exec_params(kInsertMessageDocument, id, c.conversation_id, sender_id, c.other(sender_id), metadata.dump(),
                 row["sent_at"].as<std::string>());
  return *message(tx, id);
}

std::vector<Conversation> lock_conversations(pqxx::work& tx, const std::vector<ConversationId>& ids) {
  std::vector<std::string> uuids;
  for (const auto& id : ids) uuids.push_back(id.str());
  std::vector<Conversation> out;
  for (const auto& r :
       db::exec_prepared(tx, "messaging_lock_conversations", kLockConversations.c_str(), db::uuid_array(uuids)))
    out.push_back(conversation_from(r));
  return out;
}

void lock_conversation(pqxx::work& tx, const ConversationId& conversation_id) {
  tx.exec_params(kLockConversation, conversation_id);
}

std::vector<std::string> deleted_among(pqxx::work& tx, const std::vector<std::string>& message_ids) {
  std::vector<std::string> out;
  if (message_ids.empty()) return out;
  for (const auto& r : tx.exec_params(kDeletedAmong, db::uuid_array(message_ids)))
    out.push_back(r["message_id"].as<std::string>());
  return out;
}

std::vector<ConversationId> lock_open_conversations(pqxx::work& tx, const std::vector<ConversationId>& ids) {
  std::vector<std::string> uuids;
  for (const auto& id : ids) uuids.push_back(id.str());
  std::vector<ConversationId> out;
  for (const auto& r : tx.exec_params(kLockOpenConversations, db::uuid_array(uuids)))
    out.push_back(r["conversation_id"].as<ConversationId>());
  return out;
}

std::vector<StoredByClientId> by_client_ids(pqxx::work& tx, const std::vector<ClientIdKey>& keys) {
  std::vector<std::string> conversations, senders;
  std::vector<std::optional<std::string>> client_ids;
  for (const auto& k : keys) {
    conversations.push_back(k.conversation_id.str());
    senders.push_back(k.sender_id.str());
    client_ids.push_back(k.client_message_id);
  }
  std::vector<StoredByClientId> out;
  for (const auto& r : db::exec_prepared(tx, "messaging_by_client_ids", kByClientIds, db::uuid_array(conversations),
                                         db::uuid_array(senders), db::text_array(client_ids)))
    if (auto m = message(tx, r["message_id"].as<MessageId>()))
      out.push_back({.client_message_id = r["client_id"].as<std::string>(), .message = std::move(*m)});
  return out;
}

std::vector<Message> insert_messages(pqxx::work& tx, const std::vector<NewMessage>& batch) {
  std::vector<std::string> conversations, senders, recipients;
  std::vector<std::optional<std::string>> types, contents, media, metadata;
  std::vector<bool> by_1;
  for (const auto& m : batch) {
    const auto& c = *m.conversation;
    const auto& in = *m.input;
    conversations.push_back(c.conversation_id.str());
    senders.push_back(m.sender_id.str());
    recipients.push_back(c.other(m.sender_id).str());
    types.push_back(std::string(to_string(in.type)));
    contents.push_back(in.content.empty() ? std::nullopt : std::optional(in.content));
    media.push_back(in.media_key.empty() ? std::nullopt : std::optional(in.media_key));
    metadata.push_back(
        Json{{"isDeleted", false}, {"clientMessageId", in.client_message_id}, {"appVersion", m.app_version}}.dump());
    by_1.push_back(m.sender_id == c.user_1);
  }
  std::vector<Message> out;
  for (const auto& r : db::exec_prepared(tx, "messaging_insert_messages", kInsertMessages,
                                         db::uuid_array(conversations), db::uuid_array(senders),
                                         db::uuid_array(recipients), db::text_array(types), db::text_array(contents),
                                         db::text_array(media), db::text_array(metadata), db::bool_array(by_1)))
    out.push_back(message_from(r));
  return out;
}

std::vector<Message> messages(pqxx::work& tx, const Conversation& c, std::optional<long long> after,
                              std::optional<long long> before, int limit) {
  // Newest page by default; "after" pages forward (oldest first), "before" pages backward.
  auto rows = tx.exec_params(after ? kMessagesForward : kMessagesBackward, c.conversation_id, after.value_or(0),
                             before.value_or(std::numeric_limits<long long>::max()), limit, c.created_at);
  std::vector<Message> out;
  for (const auto& r : rows) out.push_back(message_from(r));
  return out;
}

std::optional<Message> message(pqxx::work& tx, const MessageId& message_id) {
  auto rows = tx.exec_params(kMessage, message_id);
  if (rows.empty()) return std::nullopt;
  return message_from(rows[0]);
}

Marked mark_read(pqxx::work& tx, const ConversationId& conversation_id, const UserId& reader_id, long long up_to_seq,
                 bool withheld) {
  const bool any = tx.exec_params(kMarkRead, conversation_id, reader_id, up_to_seq, withheld).affected_rows() > 0;
  return {.read_up_to = read_up_to(tx, conversation_id, reader_id), .any = any};
}

long long read_up_to(pqxx::work& tx, const ConversationId& conversation_id, const UserId& reader_id) {
  return tx.exec_params1(kReadUpTo, conversation_id, reader_id)["read_up_to"].as<long long>();
}

bool shares_receipts(pqxx::work& tx, const Conversation& c) {
  return tx.exec_params1(kSharesReceipts, c.user_1, c.user_2)["shares"].as<bool>();
}

void set_reactions(pqxx::work& tx, const MessageId& message_id, const Json& reactions) {
  tx.exec_params(kSetReactions, message_id, reactions.dump());
}

bool mark_deleted(pqxx::work& tx, const MessageId& message_id) {
  if (tx.exec_params(kMarkDeleted, message_id).affected_rows() == 0) return false;
  tx.exec_params(kEraseContent, message_id);
  return true;
}

Json user_summary(pqxx::work& tx, const UserId& user_id) {
  auto rows = tx.exec_params(kUserSummary, user_id);
  return rows.empty() ? Json(nullptr) : Json::parse(rows[0]["summary"].as<std::string>());
}

std::vector<ConversationRow> conversations(pqxx::work& tx, const UserId& user_id,
                                           const std::optional<ConversationCursor>& after, int limit) {
  auto rows = tx.exec_params(kConversations, user_id, after ? std::optional(after->last_message_us) : std::nullopt,
                             after ? std::optional(after->conversation_id) : std::nullopt, limit);
  std::vector<ConversationRow> out;
  for (const auto& r : rows) {
    ConversationRow row{.conversation = conversation_from(r),
                        .other = Json::parse(r["other_user"].as<std::string>()),
                        .unread = r["unread"].as<int>(),
                        .last_message_us = r["last_message_us"].as<std::int64_t>()};
    if (!r["last_message_id"].is_null())
      row.last =
          LastMessage{.message_id = r["last_message_id"].as<MessageId>(), .deleted = r["last_deleted"].as<bool>()};
    out.push_back(std::move(row));
  }
  return out;
}

std::map<ConversationId, Message> last_messages(pqxx::work& tx, const std::vector<ConversationId>& conversations) {
  std::vector<std::string> ids;
  for (const auto& id : conversations) ids.push_back(id.str());
  std::map<ConversationId, Message> out;
  for (const auto& r : tx.exec_params(kLastMessages, db::uuid_array(ids))) {
    auto m = message_from(r);
    out.emplace(m.conversation_id, std::move(m));
  }
  return out;
}

std::optional<ConversationId> close_between(pqxx::work& tx, const UserId& a, const UserId& b, CloseReason reason,
                                            const UserId& by) {
  auto rows = tx.exec_params(kCloseBetween, a, b, std::string(to_string(reason)), by);
  if (rows.empty()) return std::nullopt;
  return rows[0]["conversation_id"].as<ConversationId>();
}

std::vector<ClosedConversation> close_all_of(pqxx::work& tx, const UserId& user_id) {
  std::vector<ClosedConversation> closed;
  for (const auto& r : tx.exec_params(kCloseAllOf, user_id))
    closed.push_back({r["conversation_id"].as<ConversationId>(), r["other_id"].as<UserId>()});
  return closed;
}

DeletedBatch delete_older_than(pqxx::work& tx, int days, int limit) {
  DeletedBatch batch;
  auto rows = tx.exec_params(kDeleteOlderThan, days, limit);
  batch.rows = static_cast<int>(rows.size());
  for (const auto& r : rows)
    if (auto key = db::opt<std::string>(r, "media_url")) batch.media_keys.push_back(*key);
  return batch;
}

DeletedBatch drop_expired_months(pqxx::work& tx, int days) {
  DeletedBatch batch;
  for (const auto& r : tx.exec_params(kDropExpiredMonths, days)) {
    batch.rows = r["dropped_messages"].as<int>();
    if (auto key = db::opt<std::string>(r, "media_key")) batch.media_keys.push_back(*key);
  }
  return batch;
}

void record_upload(pqxx::work& tx, const std::string& media_key, const UserId& user_id,
                   const ConversationId& conversation_id) {
  tx.exec_params(kRecordUpload, media_key, user_id, conversation_id);
}

bool take_upload(pqxx::work& tx, const std::string& media_key) {
  return !tx.exec_params(kTakeUpload, media_key).empty();
}

DeletedBatch delete_unsent_uploads(pqxx::work& tx, int hours, int limit) {
  DeletedBatch batch;
  for (const auto& r : tx.exec_params(kDeleteUnsentUploads, hours, limit))
    batch.media_keys.push_back(r["media_key"].as<std::string>());
  batch.rows = static_cast<int>(batch.media_keys.size());
  return batch;
}

}  // namespace pm::messaging::repository

namespace pm::messaging {

Json personal_data(pqxx::work& tx, const UserId& user_id) {
  return db::export_entries(tx, repository::kExportQueries, user_id);
}

ConversationsOfDeparting lock_conversations_of_departing(pqxx::work& tx, const UserId& user_id) {
  ConversationsOfDeparting departing;
  for (const auto& row : tx.exec_params(repository::kLockConversationsOf, user_id))
    departing.conversations.push_back(row["conversation_id"].as<ConversationId>());
  for (const auto& row : tx.exec_params(repository::kConversationObjects, user_id))
    departing.objects.push_back(row["media_key"].as<std::string>());
  return departing;
}

}  // namespace pm::messaging
