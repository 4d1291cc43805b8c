#include "notifications/repository.hpp"

#include "db/sql.hpp"

namespace pm::notifications::repository {

namespace {

// The columns a Notification is read from, in order. created_us is exact (extract() gives a
// numeric on PostgreSQL 15), so a cursor built from it lands precisely between two rows.
const std::string kColumns =
    std::string("notification_id, type, content::text, is_read IS TRUE, to_char(created_at AT TIME ZONE 'UTC', ") +
    db::kIsoFormat +
    "), "
    "(extract(epoch FROM created_at) * 1000000)::bigint ";

Notification from_row(const pqxx::row& r) {
  return {.notification_id = r[0].as<std::string>(),
          .type = r[1].as<std::string>(),
          .content = Json::parse(r[2].as<std::string>()),
          .is_read = r[3].as<bool>(),
          .created_at = r[4].as<std::string>(),
          .created_us = r[5].as<std::int64_t>()};
}

}  // namespace

Json settings_of(pqxx::work& tx, const std::string& user_id) {
  auto r = tx.exec_params("SELECT notification_settings::text FROM user_preferences WHERE user_id = $1", user_id);
  if (r.empty() || r[0][0].is_null()) return Json::object();
  return Json::parse(r[0][0].as<std::string>());
}

Notification insert(pqxx::work& tx, const std::string& user_id, std::string_view type, const Json& content) {
  return from_row(
      tx.exec_params1("INSERT INTO notifications (user_id, type, content, is_read) VALUES ($1, $2, $3::jsonb, false) "
                      "RETURNING " +
                          kColumns,
                      user_id, std::string(type), content.dump()));
}

Coalesced insert_or_coalesce(pqxx::work& tx, const std::string& user_id, std::string_view type,
                             const std::string& group_key, const Json& content) {
  // The conflict target names idx_notifications_unread_group (same columns, same predicate): only
  // an unread notification of the group is folded into. A count that is not a number restarts at 1.
  auto row = tx.exec_params1(
      "INSERT INTO notifications (user_id, type, content, is_read, group_key) "
      "VALUES ($1, $2, $3::jsonb || '{\"count\": 1}'::jsonb, false, $4) "
      "ON CONFLICT (user_id, type, group_key) WHERE group_key IS NOT NULL AND is_read IS NOT TRUE "
      "DO UPDATE SET content = EXCLUDED.content || jsonb_build_object('count', "
      "    CASE WHEN jsonb_typeof(notifications.content->'count') = 'number' "
      "         THEN (notifications.content->>'count')::numeric::int ELSE 1 END + 1), "
      "  created_at = now() "
      "RETURNING " +
          kColumns,
      user_id, std::string(type), content.dump(), group_key);
  auto n = from_row(row);
  const bool inserted = n.content.value("count", 0) == 1;
  return {std::move(n), inserted};
}

std::vector<Notification> list(pqxx::work& tx, const std::string& user_id, const std::optional<Cursor>& after,
                               int limit, bool unread_only) {
  // The filters are spelled out (not "$n OR ..."), so the planner can pick the partial unread index.
  std::string sql = "SELECT " + kColumns + "FROM notifications WHERE user_id = $1 ";
  if (unread_only) sql += "AND is_read IS NOT TRUE ";
  pqxx::result rows;
  if (after) {
    sql +=
        "AND (created_at, notification_id) < ($3::timestamptz, $4::uuid) ORDER BY created_at DESC, notification_id "
        "DESC LIMIT $2";
    rows = tx.exec_params(sql, user_id, limit, timestamp_literal(after->created_us), after->notification_id);
  } else {
    sql += "ORDER BY created_at DESC, notification_id DESC LIMIT $2";
    rows = tx.exec_params(sql, user_id, limit);
  }
  std::vector<Notification> out;
  for (const auto& r : rows) out.push_back(from_row(r));
  return out;
}

int unread_count(pqxx::work& tx, const std::string& user_id) {
  return tx.exec_params1("SELECT count(*) FROM notifications WHERE user_id = $1 AND is_read IS NOT TRUE", user_id)[0]
      .as<int>();
}

std::optional<Notification> mark_read(pqxx::work& tx, const std::string& user_id, const std::string& notification_id) {
  auto r = tx.exec_params(
      "UPDATE notifications SET is_read = true WHERE notification_id = $2 AND user_id = $1 RETURNING " + kColumns,
      user_id, notification_id);
  if (r.empty()) return std::nullopt;
  return from_row(r[0]);
}

int mark_all_read(pqxx::work& tx, const std::string& user_id) {
  return static_cast<int>(
      tx.exec_params("UPDATE notifications SET is_read = true WHERE user_id = $1 AND is_read IS NOT TRUE", user_id)
          .affected_rows());
}

void queue(pqxx::work& tx, const std::string& notification_id, const std::string& user_id, Channel channel,
           const Json& payload) {
  tx.exec_params(
      "INSERT INTO notification_outbox (notification_id, user_id, channel, payload) VALUES ($1, $2, $3, $4::jsonb) "
      "ON CONFLICT (notification_id, channel) DO NOTHING",
      notification_id, user_id, std::string(channel_name(channel)), payload.dump());
}

std::vector<OutboxRow> claim(pqxx::work& tx, const std::string& claim, int limit, std::chrono::seconds lease) {
  // SKIP LOCKED: rows another worker is claiming right now are left to it. A row it has claimed
  // and committed is re-checked against the WHERE when locked, and its live lease excludes it.
  auto rows = tx.exec_params(
      "UPDATE notification_outbox SET claimed_by = $1, claimed_until = now() + make_interval(secs => $3), "
      "  attempts = attempts + 1 "
      "WHERE outbox_id IN (SELECT outbox_id FROM notification_outbox "
      "  WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now() "
      "    AND (claimed_until IS NULL OR claimed_until < now()) "
      "  ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) "
      "RETURNING outbox_id, user_id, channel, payload::text, attempts",
      claim, limit, static_cast<int>(lease.count()));
  std::vector<OutboxRow> out;
  for (const auto& r : rows)
    out.push_back({.outbox_id = r[0].as<std::string>(),
                   .user_id = r[1].as<std::string>(),
                   .channel = channel_from_name(r[2].as<std::string>()).value_or(Channel::push),
                   .payload = Json::parse(r[3].as<std::string>()),
                   .attempts = r[4].as<int>()});
  return out;
}

void mark_sent(pqxx::work& tx, const std::string& outbox_id) {
  tx.exec_params(
      "UPDATE notification_outbox SET sent_at = coalesce(sent_at, now()), claimed_by = NULL, claimed_until = NULL "
      "WHERE outbox_id = $1",
      outbox_id);
}

bool mark_failed(pqxx::work& tx, const std::string& outbox_id, const std::string& claim, const std::string& error,
                 std::optional<std::chrono::seconds> retry_in) {
  auto r = tx.exec_params(
      "UPDATE notification_outbox SET claimed_by = NULL, claimed_until = NULL, last_error = $3, "
      "  failed_at = CASE WHEN $4 THEN now() END, next_attempt_at = now() + make_interval(secs => $5) "
      "WHERE outbox_id = $1 AND claimed_by = $2 AND sent_at IS NULL",
      outbox_id, claim, error, !retry_in.has_value(),
      static_cast<int>(retry_in.value_or(std::chrono::seconds(0)).count()));
  return r.affected_rows() == 1;
}

void release(pqxx::work& tx, const std::vector<std::string>& outbox_ids, const std::string& claim) {
  if (outbox_ids.empty()) return;
  tx.exec_params(
      "UPDATE notification_outbox SET claimed_by = NULL, claimed_until = NULL, attempts = greatest(attempts - 1, 0) "
      "WHERE outbox_id = ANY($1::uuid[]) AND claimed_by = $2 AND sent_at IS NULL",
      db::uuid_array(outbox_ids), claim);
}

void insert_email(pqxx::work& tx, const std::string& outbox_id, const std::string& user_id,
                  const std::string& payload_encrypted) {
  tx.exec_params("INSERT INTO email_outbox (outbox_id, user_id, payload) VALUES ($1, $2, $3)", outbox_id, user_id,
                 payload_encrypted);
}

namespace {
std::vector<QueuedEmail> queued_emails(const pqxx::result& rows) {
  std::vector<QueuedEmail> out;
  out.reserve(rows.size());
  for (const auto& row : rows)
    out.push_back(
        {.outbox_id = row["outbox_id"].as<std::string>(), .payload_encrypted = row["payload"].as<std::string>()});
  return out;
}
}  // namespace

std::vector<QueuedEmail> claim_due_emails(pqxx::work& tx, int limit) {
  return queued_emails(
      tx.exec_params("SELECT outbox_id, payload FROM email_outbox WHERE sent_at IS NULL AND next_attempt_at <= now() "
                     "ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED",
                     limit));
}

void mark_email_sent(pqxx::work& tx, const std::string& outbox_id) {
  tx.exec_params("UPDATE email_outbox SET sent_at = now(), attempts = attempts + 1 WHERE outbox_id = $1", outbox_id);
}

void mark_email_failed(pqxx::work& tx, const std::string& outbox_id, const std::string& error) {
  tx.exec_params(
      "UPDATE email_outbox SET attempts = attempts + 1, last_error = $2, "
      "next_attempt_at = now() + least(interval '1 hour', interval '30 seconds' * power(2, attempts)) "
      "WHERE outbox_id = $1",
      outbox_id, error);
}

std::vector<QueuedEmail> emails_not_under_key(pqxx::work& tx, const std::string& key_id) {
  return queued_emails(tx.exec_params(
      "SELECT outbox_id, payload FROM email_outbox WHERE sent_at IS NULL AND payload NOT LIKE $1 FOR UPDATE",
      "pm1." + key_id + ".%"));
}

void set_email_payload(pqxx::work& tx, const std::string& outbox_id, const std::string& payload_encrypted) {
  tx.exec_params("UPDATE email_outbox SET payload = $2 WHERE outbox_id = $1", outbox_id, payload_encrypted);
}

}  // namespace pm::notifications::repository
