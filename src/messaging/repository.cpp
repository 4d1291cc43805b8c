#include "messaging/repository.hpp"

#include <limits>

#include "db/sql.hpp"

namespace pm::messaging::repository {

namespace {

using db::kIsoFormat;

std::optional<std::string> opt(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional(f.as<std::string>());
}

const std::string kConversationColumns =
    std::string(
        "c.conversation_id, c.match_id, mt.user_id_1, mt.user_id_2, mt.status, to_char(c.created_at AT TIME ZONE "
        "'UTC', ") +
    kIsoFormat + "), to_char(c.last_message_at AT TIME ZONE 'UTC', " + kIsoFormat +
    "), c.last_seq, to_char(c.closed_at AT TIME ZONE 'UTC', " + kIsoFormat +
    "), c.close_reason, c.closed_by, "
    "(SELECT b.blocker_id FROM user_blocks b WHERE (b.blocker_id = mt.user_id_1 AND b.blocked_id = mt.user_id_2) "
    "   OR (b.blocker_id = mt.user_id_2 AND b.blocked_id = mt.user_id_1) ORDER BY b.created_at LIMIT 1) ";

Conversation conversation_from(const pqxx::row& r, int at = 0) {
  return {.conversation_id = r[at].as<std::string>(),
          .match_id = r[at + 1].as<std::string>(),
          .user_1 = r[at + 2].as<std::string>(),
          .user_2 = r[at + 3].as<std::string>(),
          .match_status = r[at + 4].as<std::string>(),
          .created_at = r[at + 5].as<std::string>(),
          .last_message_at = r[at + 6].as<std::string>(),
          .last_seq = r[at + 7].as<long long>(),
          .closed_at = opt(r[at + 8]),
          .close_reason = opt(r[at + 9]),
          .closed_by = opt(r[at + 10]),
          .blocker = opt(r[at + 11])};
}

const std::string kMessageColumns =
    std::string(
        "m.message_id, m.conversation_id, m.sender_id, d.recipient_id, m.message_type, m.content, m.media_url, "
        "to_char(m.sent_at AT TIME ZONE 'UTC', ") +
    kIsoFormat + "), to_char(m.read_at AT TIME ZONE 'UTC', " + kIsoFormat +
    "), m.seq, d.reactions::text, d.metadata::text ";

Message message_from(const pqxx::row& r, int at = 0) {
  return {.message_id = r[at].as<std::string>(),
          .conversation_id = r[at + 1].as<std::string>(),
          .sender_id = r[at + 2].as<std::string>(),
          .recipient_id = r[at + 3].as<std::string>(),
          .type = r[at + 4].as<std::string>(),
          .sent_at = r[at + 7].as<std::string>(),
          .seq = r[at + 9].as<long long>(),
          .content = opt(r[at + 5]),
          .media_key = opt(r[at + 6]),
          .read_at = opt(r[at + 8]),
          .reactions = Json::parse(r[at + 10].as<std::string>()),
          .metadata = Json::parse(r[at + 11].as<std::string>())};
}

const std::string kMessageFrom = "FROM messages m JOIN message_documents d ON d.message_id = m.message_id ";

}  // namespace

std::optional<Conversation> conversation_for(pqxx::work& tx, const std::string& conversation_id,
                                             const std::string& user_id, bool lock) {
  auto rows = tx.exec_params("SELECT " + kConversationColumns +
                                 "FROM conversations c JOIN matches mt ON mt.match_id = c.match_id "
                                 "WHERE c.conversation_id = $1 AND $2 IN (mt.user_id_1, mt.user_id_2)" +
                                 (lock ? " FOR UPDATE OF c" : ""),
                             conversation_id, user_id);
  if (rows.empty()) return std::nullopt;
  return conversation_from(rows[0]);
}

long long next_seq(pqxx::work& tx, const std::string& conversation_id) {
  return tx
      .exec_params1(
          "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = now() WHERE conversation_id = $1 "
          "RETURNING last_seq",
          conversation_id)[0]
      .as<long long>();
}

std::optional<Message> by_client_id(pqxx::work& tx, const std::string& conversation_id, const std::string& sender_id,
                                    const std::string& client_message_id) {
  auto rows = tx.exec_params("SELECT " + kMessageColumns + kMessageFrom +
                                 "WHERE d.conversation_id = $1 AND d.sender_id = $2 AND d.metadata ? 'clientMessageId' "
                                 "AND d.metadata->>'clientMessageId' = $3",
                             conversation_id, sender_id, client_message_id);
  if (rows.empty()) return std::nullopt;
  return message_from(rows[0]);
}

Message insert_message(pqxx::work& tx, const Conversation& c, const std::string& sender_id, long long seq,
                       const MessageInput& in, const std::string& app_version) {
  auto id = tx.exec_params1(
                  "INSERT INTO messages (conversation_id, sender_id, message_type, content, media_url, seq) "
                  "VALUES ($1, $2, $3, $4, $5, $6) RETURNING message_id",
                  c.conversation_id, sender_id, in.type, in.content.empty() ? std::nullopt : std::optional(in.content),
                  in.media_key.empty() ? std::nullopt : std::optional(in.media_key), seq)[0]
                .as<std::string>();
  Json metadata = {{"isDeleted", false}, {"clientMessageId", in.client_message_id}, {"appVersion", app_version}};
  tx.exec_params(
      "INSERT INTO message_documents (message_id, conversation_id, sender_id, recipient_id, metadata) "
      "VALUES ($1, $2, $3, $4, $5::jsonb)",
      id, c.conversation_id, sender_id, c.other(sender_id), metadata.dump());
  return *message(tx, id);
}

std::vector<Message> messages(pqxx::work& tx, const std::string& conversation_id, std::optional<long long> after,
                              std::optional<long long> before, int limit) {
  // Newest page by default; "after" pages forward (oldest first), "before" pages backward.
  const bool forward = after.has_value();
  auto rows =
      tx.exec_params("SELECT * FROM (SELECT " + kMessageColumns + kMessageFrom +
                         "WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq < $3 "
                         "ORDER BY m.seq " +
                         (forward ? "ASC" : "DESC") + " LIMIT $4) page ORDER BY seq ASC",
                     conversation_id, after.value_or(0), before.value_or(std::numeric_limits<long long>::max()), limit);
  std::vector<Message> out;
  for (const auto& r : rows) out.push_back(message_from(r));
  return out;
}

std::optional<Message> message(pqxx::work& tx, const std::string& message_id) {
  auto rows = tx.exec_params("SELECT " + kMessageColumns + kMessageFrom + "WHERE m.message_id = $1", message_id);
  if (rows.empty()) return std::nullopt;
  return message_from(rows[0]);
}

long long mark_read(pqxx::work& tx, const std::string& conversation_id, const std::string& reader_id,
                    long long up_to_seq) {
  tx.exec_params(
      "UPDATE messages SET read_at = now() WHERE conversation_id = $1 AND sender_id <> $2 AND seq <= $3 AND read_at IS "
      "NULL",
      conversation_id, reader_id, up_to_seq);
  return tx
      .exec_params1(
          "SELECT coalesce(max(seq), 0) FROM messages WHERE conversation_id = $1 AND sender_id <> $2 AND read_at IS "
          "NOT NULL",
          conversation_id, reader_id)[0]
      .as<long long>();
}

void set_reactions(pqxx::work& tx, const std::string& message_id, const Json& reactions) {
  tx.exec_params("UPDATE message_documents SET reactions = $2::jsonb WHERE message_id = $1", message_id,
                 reactions.dump());
}

void mark_deleted(pqxx::work& tx, const std::string& message_id) {
  tx.exec_params("UPDATE message_documents SET metadata = metadata || '{\"isDeleted\": true}' WHERE message_id = $1",
                 message_id);
}

std::vector<ConversationRow> conversations(pqxx::work& tx, const std::string& user_id,
                                           const std::optional<std::pair<std::string, std::string>>& after, int limit) {
  auto rows = tx.exec_params(
      "SELECT " + kConversationColumns + ", " +
          "  (SELECT jsonb_build_object('user_id', u.user_id, 'first_name', u.first_name)::text FROM users u "
          "   WHERE u.user_id = CASE WHEN mt.user_id_1 = $1 THEN mt.user_id_2 ELSE mt.user_id_1 END), "
          "  (SELECT count(*) FROM messages x WHERE x.conversation_id = c.conversation_id AND x.sender_id <> $1 AND "
          "x.read_at IS NULL)::int, "
          "  last.* "
          "FROM conversations c JOIN matches mt ON mt.match_id = c.match_id "
          "LEFT JOIN LATERAL (SELECT " +
          kMessageColumns + kMessageFrom +
          "   WHERE m.conversation_id = c.conversation_id ORDER BY m.seq DESC LIMIT 1) last ON true "
          "WHERE $1 IN (mt.user_id_1, mt.user_id_2) "
          // A block hides the conversation from the one blocked; the blocker keeps the history.
          "AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocked_id = $1 AND b.blocker_id IN (mt.user_id_1, "
          "mt.user_id_2)) "
          "AND ($2::timestamptz IS NULL OR (c.last_message_at, c.conversation_id) < ($2::timestamptz, $3::uuid)) "
          "ORDER BY c.last_message_at DESC, c.conversation_id DESC LIMIT $4",
      user_id, after ? std::optional(after->first) : std::nullopt, after ? std::optional(after->second) : std::nullopt,
      limit);
  std::vector<ConversationRow> out;
  for (const auto& r : rows) {
    ConversationRow row{
        .conversation = conversation_from(r), .other = Json::parse(r[12].as<std::string>()), .unread = r[13].as<int>()};
    if (!r[14].is_null()) row.last = message_from(r, 14);
    out.push_back(std::move(row));
  }
  return out;
}

std::optional<std::string> close_between(pqxx::work& tx, const std::string& a, const std::string& b,
                                         const std::string& reason, const std::string& by) {
  auto rows = tx.exec_params(
      "UPDATE conversations c SET closed_at = now(), close_reason = $3, closed_by = $4 FROM matches mt "
      "WHERE mt.match_id = c.match_id AND c.closed_at IS NULL "
      "AND ((mt.user_id_1 = $1 AND mt.user_id_2 = $2) OR (mt.user_id_1 = $2 AND mt.user_id_2 = $1)) RETURNING "
      "c.conversation_id",
      a, b, reason, by);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::string>();
}

std::vector<std::string> delete_older_than(pqxx::work& tx, int days, int limit, int& deleted) {
  std::vector<std::string> keys;
  auto rows = tx.exec_params(
      "DELETE FROM messages WHERE message_id IN (SELECT message_id FROM messages WHERE sent_at < now() - "
      "make_interval(days => $1) "
      "ORDER BY sent_at LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING media_url",
      days, limit);
  deleted = static_cast<int>(rows.size());
  for (const auto& r : rows)
    if (!r[0].is_null()) keys.push_back(r[0].as<std::string>());
  return keys;
}

}  // namespace pm::messaging::repository
