#include "notifications/repository.hpp"

#include <utility>

#include "db/row.hpp"
#include "db/sql.hpp"
#include "notifications/personal_data.hpp"

namespace pm::notifications::repository {

namespace {

// The notifications of $2's users (NULL: of everyone who has a match with $1) that name $1: by
// user id or sender id, or by a match or a conversation of the two (like.received names only the
// match). Reads the views matching and messaging publish (match_pairs, match_conversations): a
// block or an account deletion must reach what was recorded before it, and only they know which
// ids are whose. Only the owners' rows are read (by their index), never the whole table.
constexpr const char* kForgetAbout = R"sql(
  WITH pairs AS (
    -- for everyone's (an account's deletion): only the pairs that talked, whose notifications
    -- carry a name, an id or words (match.new, message.new); a like's names no one
    SELECT match_id, CASE WHEN user_id_1 = $1 THEN user_id_2 ELSE user_id_1 END AS owner
    FROM match_pairs WHERE (user_id_1 = $1 OR user_id_2 = $1)
      AND ($2::uuid[] IS NOT NULL OR match_id IN (SELECT match_id FROM match_conversations))
  ), owners AS (
    SELECT owner FROM pairs WHERE $2::uuid[] IS NULL
    UNION SELECT unnest($2::uuid[])
  ), subjects AS (
    SELECT match_id::text AS id FROM pairs WHERE owner IN (SELECT owner FROM owners)
    UNION ALL SELECT conversation_id::text FROM match_conversations
              WHERE match_id IN (SELECT match_id FROM pairs WHERE owner IN (SELECT owner FROM owners))
    UNION ALL SELECT $1::uuid::text
  ), forgotten AS (
    DELETE FROM notifications
    WHERE user_id IN (SELECT owner FROM owners)
      AND (content->>'user_id' IN (SELECT id FROM subjects) OR content->>'sender_id' = $1::uuid::text
           OR content->>'match_id' IN (SELECT id FROM subjects)
           OR content->>'conversation_id' IN (SELECT id FROM subjects))
    RETURNING notification_id
  ), undelivered AS (
    -- their deliveries too, sent or not (the outbox keeps no link that would take them: 0020)
    DELETE FROM notification_outbox WHERE user_id IN (SELECT owner FROM owners)
      AND notification_id IN (SELECT notification_id FROM forgotten)
  ), ungrouped AS (
    -- and the groups that pointed at them (no key takes them either: 0032)
    DELETE FROM notification_groups WHERE user_id IN (SELECT owner FROM owners)
      AND notification_id IN (SELECT notification_id FROM forgotten)
  )
  SELECT count(*) AS forgotten FROM forgotten
)sql";

// The conversation of $1 and $2, locked as an account's deletion locks its conversations (before
// anyone's notifications; messaging's kLockConversationsOf), for forget_between.
constexpr const char* kLockConversationBetween = R"sql(
  SELECT mc.conversation_id FROM match_conversations mc JOIN match_pairs mp ON mp.match_id = mc.match_id
  WHERE (mp.user_id_1 = $1 AND mp.user_id_2 = $2) OR (mp.user_id_1 = $2 AND mp.user_id_2 = $1)
  ORDER BY mc.conversation_id FOR UPDATE OF mc
)sql";

// The settings as delivery reads them: the email channel is off until its owner has proven the
// address. An unproven one may be anyone's (signing up with it proves nothing), and a match made
// with a second account of one's own would otherwise mail it at will.
constexpr const char* kSettingsOfMany = R"sql(
  SELECT u.user_id, (coalesce(p.notification_settings, '{}'::jsonb) ||
           CASE WHEN u.email_verified_at IS NULL THEN '{"email": false}'::jsonb ELSE '{}'::jsonb END)::text
           AS notification_settings
  FROM user_profiles u LEFT JOIN notification_preferences p ON p.user_id = u.user_id
  WHERE u.user_id = ANY($1::uuid[])
)sql";

constexpr const char* kTurnOff = R"sql(
  UPDATE notification_preferences SET notification_settings = notification_settings || jsonb_build_object($2::text, false)
  WHERE user_id = $1
)sql";

// Notification: every statement below returns the same columns. created_us is exact (extract()
// gives a numeric on PostgreSQL 15), so a cursor built from it lands precisely between two rows.
constexpr const char* kInsert = R"sql(
  INSERT INTO notifications (user_id, type, content, is_read) VALUES ($1, $2, $3::jsonb, false)
  RETURNING notification_id, type, content::text, is_read IS TRUE AS is_read,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
            (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
)sql";
// Coalescing (migrations/0020): the group's row names its unread notification. Claiming it (or
// inserting it, with a new notification id) locks it until commit, so the writers of one group
// take turns, and the next statement of each sees its predecessor's notification. `fresh`: the row
// is new (xmax is 0 only on a row version no one has updated or locked). Many groups at once:
// $1 users, $3 group keys (arrays), $2 the type, claimed in a fixed order (two writers of
// overlapping groups never deadlock).
constexpr const char* kClaimGroups = R"sql(
  INSERT INTO notification_groups AS g (user_id, type, group_key, notification_id, created_at)
  SELECT x.user_id, $2, x.group_key, uuid_generate_v4(), now() FROM unnest($1::uuid[], $3::text[]) AS x(user_id, group_key)
  ORDER BY x.user_id, x.group_key
  ON CONFLICT (user_id, type, group_key) DO UPDATE SET user_id = g.user_id
  RETURNING user_id, group_key, notification_id, created_at::text AS created_at, (xmax = 0) AS fresh
)sql";
// Each claimed group ($1 user, $2 group key, $3 notification id, $4 its created_at, $5 content,
// $6 count, $7 fresh; arrays) gets a new notification, or its unread one is folded into: content
// replaced, "count" up by the group's count (a count that is not a number restarts at 1), created_at
// now; the notification is found in its month by the group's created_at, which moves with it in the
// same statement (no key ties the two since 0032: this statement is what keeps them equal). A group
// whose notification is gone all the same gets a new one under the same id (an anti-join: with
// "fresh OR NOT EXISTS" PostgreSQL costed the statement high enough to JIT-compile it on every
// call, and calls took 2 s in the messaging benchmark). $8 the type. (The "= ANY($3)" and
// "= ANY($1)" let PostgreSQL find the notifications and groups by their keys, not by reading every
// one, whatever its statistics.)
constexpr const char* kWriteGroups = R"sql(
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::timestamptz[], $5::text[], $6::int[], $7::bool[])
      AS i(user_id, group_key, notification_id, created_at, content, count, fresh)
  ), inserted AS (
    INSERT INTO notifications (notification_id, user_id, type, content, is_read, group_key, created_at)
    SELECT i.notification_id, i.user_id, $8, i.content::jsonb || jsonb_build_object('count', i.count), false,
           i.group_key, now()
    FROM input i LEFT JOIN notifications n ON NOT i.fresh AND n.notification_id = i.notification_id
      AND n.created_at = i.created_at AND n.notification_id = ANY($3::uuid[])
    WHERE n.notification_id IS NULL
    RETURNING user_id, notification_id, type, content::text, is_read IS TRUE AS is_read,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
              (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
  ), updated AS (
    UPDATE notifications n SET content = i.content::jsonb || jsonb_build_object('count',
        CASE WHEN jsonb_typeof(n.content->'count') = 'number' THEN (n.content->>'count')::numeric::int ELSE 1 END
        + i.count),
      created_at = now()
    FROM input i
    WHERE NOT i.fresh AND n.notification_id = i.notification_id AND n.created_at = i.created_at
      AND n.user_id = i.user_id AND n.notification_id = ANY($3::uuid[])
    RETURNING n.user_id, n.notification_id, n.type, n.content::text, n.is_read IS TRUE AS is_read,
              to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
              (extract(epoch FROM n.created_at) * 1000000)::bigint AS created_us
  ), moved AS (
    UPDATE notification_groups g SET created_at = now()
    FROM input i WHERE NOT i.fresh AND g.user_id = i.user_id AND g.type = $8 AND g.group_key = i.group_key
      AND g.user_id = ANY($1::uuid[])
  )
  SELECT true AS inserted, * FROM inserted UNION ALL SELECT false AS inserted, * FROM updated
)sql";
// The lists: all or unread only, from the newest or after a cursor ($3, $4). The filters are
// spelled out in four statements (not "$n OR ..."), so the planner can pick the partial unread
// index. They order by n.created_at, qualified: a bare created_at would name the text column.
// After a cursor, "created_at <= cursor" repeats what the row comparison implies, in the form
// partition pruning understands: the months after the cursor are not read.
constexpr const char* kList = R"sql(
  SELECT notification_id, type, content::text, is_read IS TRUE AS is_read,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
         (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
  FROM notifications n WHERE user_id = $1
  ORDER BY n.created_at DESC, n.notification_id DESC LIMIT $2
)sql";
constexpr const char* kListAfter = R"sql(
  SELECT notification_id, type, content::text, is_read IS TRUE AS is_read,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
         (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
  FROM notifications n WHERE user_id = $1
    AND (created_at, notification_id) < ($3::timestamptz, $4::uuid) AND created_at <= $3::timestamptz
  ORDER BY n.created_at DESC, n.notification_id DESC LIMIT $2
)sql";
constexpr const char* kListUnread = R"sql(
  SELECT notification_id, type, content::text, is_read IS TRUE AS is_read,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
         (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
  FROM notifications n WHERE user_id = $1 AND is_read IS NOT TRUE
  ORDER BY n.created_at DESC, n.notification_id DESC LIMIT $2
)sql";
constexpr const char* kListUnreadAfter = R"sql(
  SELECT notification_id, type, content::text, is_read IS TRUE AS is_read,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
         (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
  FROM notifications n WHERE user_id = $1 AND is_read IS NOT TRUE
    AND (created_at, notification_id) < ($3::timestamptz, $4::uuid) AND created_at <= $3::timestamptz
  ORDER BY n.created_at DESC, n.notification_id DESC LIMIT $2
)sql";
// Read notifications leave their group (0020): the group's next one starts a new notification.
// The group rows are taken first, as a writer takes them (kClaimGroups: the group, then its
// notification; several in key order): the other way round, a read meeting a message folding into
// the same notification deadlocked, and PostgreSQL aborted one of them (the read, or the writer's
// whole batch of message notifications).
constexpr const char* kCloseGroupOf = R"sql(
  DELETE FROM notification_groups WHERE user_id = $1 AND notification_id = $2
)sql";
constexpr const char* kMarkRead = R"sql(
  UPDATE notifications SET is_read = true WHERE notification_id = $2 AND user_id = $1
  RETURNING notification_id, type, content::text, is_read IS TRUE AS is_read,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
            (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
)sql";

Notification notification(const pqxx::row& row) {
  return {.notification_id = row["notification_id"].as<std::string>(),
          .type = row["type"].as<std::string>(),
          .content = Json::parse(row["content"].as<std::string>()),
          .is_read = row["is_read"].as<bool>(),
          .created_at = row["created_at"].as<std::string>(),
          .created_us = row["created_us"].as<std::int64_t>()};
}

constexpr const char* kUnreadCount = R"sql(
  SELECT count(*) AS unread FROM notifications WHERE user_id = $1 AND is_read IS NOT TRUE
)sql";
// (The groups first, in the writers' order: kCloseGroupOf.) Locked, then deleted with the marking
// in one statement, so both see the same notifications: a message folding in between two
// statements left a new unread notification marked read while its group still named it, and every
// later message of the conversation folded into it unseen.
constexpr const char* kLockGroupsOf = R"sql(
  SELECT 1 FROM notification_groups WHERE user_id = $1 ORDER BY type, group_key FOR UPDATE
)sql";
constexpr const char* kMarkAllRead = R"sql(
  WITH marked AS (
    UPDATE notifications SET is_read = true WHERE user_id = $1 AND is_read IS NOT TRUE RETURNING 1
  ), closed AS (
    DELETE FROM notification_groups WHERE user_id = $1
  )
  SELECT count(*) AS marked FROM marked
)sql";

// The notification outbox.
constexpr const char* kQueue = R"sql(
  INSERT INTO notification_outbox (notification_id, user_id, channel, payload)
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]::jsonb[])
  ON CONFLICT (notification_id, channel) DO NOTHING
)sql";
// OutboxRow. SKIP LOCKED: rows another worker is claiming right now are left to it. A row it has
// claimed and committed is re-checked against the WHERE when locked, and its live lease excludes it.
constexpr const char* kClaim = R"sql(
  UPDATE notification_outbox SET claimed_by = $1, claimed_until = now() + make_interval(secs => $3),
    attempts = attempts + 1
  WHERE outbox_id IN (SELECT outbox_id FROM notification_outbox
                      WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                        AND (claimed_until IS NULL OR claimed_until < now())
                      ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING outbox_id, user_id, channel, payload::text, attempts,
    coalesce((SELECT n.is_read IS NOT TRUE FROM notifications n
              WHERE n.notification_id = notification_outbox.notification_id), false) AS unread
)sql";
constexpr const char* kMarkSent = R"sql(
  UPDATE notification_outbox SET sent_at = coalesce(sent_at, now()), claimed_by = NULL, claimed_until = NULL
  WHERE outbox_id = $1
)sql";
constexpr const char* kMarkFailed = R"sql(
  UPDATE notification_outbox SET claimed_by = NULL, claimed_until = NULL, last_error = $3,
    failed_at = CASE WHEN $4 THEN now() END, next_attempt_at = now() + make_interval(secs => $5)
  WHERE outbox_id = $1 AND claimed_by = $2 AND sent_at IS NULL
)sql";
constexpr const char* kRelease = R"sql(
  UPDATE notification_outbox SET claimed_by = NULL, claimed_until = NULL, attempts = greatest(attempts - 1, 0)
  WHERE outbox_id = ANY($1::uuid[]) AND claimed_by = $2 AND sent_at IS NULL
)sql";
// The partial index idx_notification_outbox_due holds exactly these rows.
constexpr const char* kOutboxBacklog = R"sql(
  SELECT count(*) AS waiting,
         COALESCE(EXTRACT(EPOCH FROM now() - min(next_attempt_at) FILTER (WHERE next_attempt_at <= now())), 0)::float8
           AS oldest_due_seconds
  FROM notification_outbox WHERE sent_at IS NULL AND failed_at IS NULL
)sql";

// Web Push. PushSubscription: subscription_id, endpoint, p256dh, auth, created_at.
// A user's subscriptions are counted and added one request at a time (a lock on the user's
// subscriptions to the end of the transaction): two requests at once both counted 9 and both added.
constexpr const char* kLockPushSubscriptionsOf = R"sql(
  SELECT pg_advisory_xact_lock(hashtextextended('push_subscriptions:' || $1::text, 0))
)sql";
constexpr const char* kCountOtherPushSubscriptions = R"sql(
  SELECT count(*) AS n FROM push_subscriptions WHERE user_id = $1 AND endpoint <> $2
)sql";
constexpr const char* kSavePushSubscription = R"sql(
  INSERT INTO push_subscriptions AS s (user_id, endpoint, p256dh, auth, session_id) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
    session_id = EXCLUDED.session_id,
    created_at = CASE WHEN s.user_id = EXCLUDED.user_id THEN s.created_at ELSE now() END
  RETURNING subscription_id, endpoint, p256dh, auth, session_id, (xmax = 0) AS created,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
)sql";
// The browsers of sessions that ended: those named ($2), or with $3 every one but $4's.
constexpr const char* kEndPushSubscriptions = R"sql(
  DELETE FROM push_subscriptions
  WHERE user_id = $1
    AND CASE WHEN $3 THEN session_id IS DISTINCT FROM $4 ELSE session_id = ANY($2::text[]) END
)sql";
constexpr const char* kDeletePushSubscription = R"sql(
  DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2
)sql";
constexpr const char* kPushSubscriptionsOf = R"sql(
  SELECT subscription_id, endpoint, p256dh, auth, session_id,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
  FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, subscription_id
)sql";
constexpr const char* kForgetPushSubscription = R"sql(
  DELETE FROM push_subscriptions WHERE subscription_id = $1
)sql";
// Only a first attempt, or one whose last outcome was 'retry', may go: 'started' (a crash or a
// timeout: outcome unknown), 'sent' and 'failed' never go again.
constexpr const char* kStartPushDelivery = R"sql(
  INSERT INTO push_deliveries AS d (outbox_id, subscription_id, user_id, outcome) VALUES ($1, $2, $3, 'started')
  ON CONFLICT (outbox_id, subscription_id) DO UPDATE SET outcome = 'started', started_at = now(), status = NULL
    WHERE d.outcome = 'retry'
  RETURNING 1
)sql";
constexpr const char* kFinishPushDelivery = R"sql(
  UPDATE push_deliveries SET outcome = $3, status = nullif($4, 0) WHERE outbox_id = $1 AND subscription_id = $2
)sql";
constexpr const char* kTouchPushSubscription = R"sql(
  UPDATE push_subscriptions SET last_used_at = now() WHERE subscription_id = $1
)sql";
constexpr const char* kLanguageOf = R"sql(SELECT language FROM mail_languages WHERE user_id = $1)sql";
constexpr const char* kUnreadContent = R"sql(
  SELECT content::text AS content FROM notifications WHERE notification_id = $1 AND is_read IS NOT TRUE
)sql";

PushSubscription push_subscription(const pqxx::row& r) {
  return {.subscription_id = r["subscription_id"].as<std::string>(),
          .endpoint = r["endpoint"].as<std::string>(),
          .p256dh = r["p256dh"].as<std::string>(),
          .auth = r["auth"].as<std::string>(),
          .session_id = r["session_id"].as<std::string>(),
          .created_at = r["created_at"].as<std::string>()};
}

constexpr const char* kForgetMessagePreview = R"sql(
  WITH changed AS (
    UPDATE notifications SET content = content - 'preview'
    WHERE user_id = $1 AND type = 'message.new' AND content->>'message_id' = $2 AND content ? 'preview'
    RETURNING notification_id
  ), deliveries AS (
    -- Each delivery carries the notification as it was queued: found by the message it quotes, sent
    -- or not (a sent one is kept as the activity record for the retention period), and also when
    -- the notification has since moved on to a later message of the conversation (coalesced).
    UPDATE notification_outbox o SET payload = jsonb_set(o.payload, '{content}', (o.payload->'content') - 'preview')
    WHERE o.user_id = $1 AND o.payload->'content'->>'message_id' = $2 AND o.payload->'content' ? 'preview'
  )
  SELECT count(*) AS changed FROM changed
)sql";

// The data export's parts (personal_data.hpp).
constexpr std::pair<const char*, const char*> kExportQueries[] = {
    {"notifications",
     // each entry's content as the recipient is shown it: personal_data applies shown_content
     R"sql(
  SELECT to_jsonb(t) AS entry FROM notifications t WHERE user_id = $1 ORDER BY created_at
)sql"},
    {"push_subscriptions", R"sql(
  SELECT jsonb_build_object('endpoint', endpoint, 'created_at', created_at, 'last_used_at', last_used_at) AS entry
  FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at
)sql"},
};

}  // namespace

int forget_about(pqxx::work& tx, const UserId& subject, const std::optional<std::vector<UserId>>& owners) {
  const auto ids = owners ? std::optional(db::uuid_array(*owners)) : std::nullopt;
  return tx.exec_params1(kForgetAbout, subject, ids)["forgotten"].as<int>();
}

int forget_message_preview(pqxx::work& tx, const UserId& user_id, const std::string& message_id) {
  return tx.exec_params1(kForgetMessagePreview, user_id, message_id)["changed"].as<int>();
}

int forget_between(pqxx::work& tx, const UserId& a, const UserId& b) {
  // The pair's conversation first: an account's deletion removes the partner's notifications, then
  // (its row's cascade) its own; this removes one person's, then the other's, so for one of the two
  // it is the other way round, and a block met by a deletion deadlocked (the deletion failed with a
  // 503). Both lock the conversation before any notification, so the later one waits. Then the two
  // people's notifications in the order of their ids: two blocks of one pair that never talked
  // (each blocking the other at once) also take the rows in one order.
  tx.exec_params(kLockConversationBetween, a, b);
  const auto [first, second] = a.str() < b.str() ? std::pair(a, b) : std::pair(b, a);
  const int forgotten = forget_about(tx, second, std::vector{first});  // first's notifications about second
  return forgotten + forget_about(tx, first, std::vector{second});
}

Json settings_of(pqxx::work& tx, const UserId& user_id) {
  auto all = settings_of_many(tx, {user_id});
  return all.empty() ? Json::object() : std::move(all.begin()->second);
}

void turn_off(pqxx::work& tx, const UserId& user_id, const std::string& key) { tx.exec_params(kTurnOff, user_id, key); }

Notification insert(pqxx::work& tx, const UserId& user_id, std::string_view type, const Json& content) {
  return notification(tx.exec_params1(kInsert, user_id, std::string(type), content.dump()));
}

std::vector<CoalescedFor> insert_or_coalesce_many(pqxx::work& tx, std::string_view type,
                                                  const std::vector<GroupedContent>& groups) {
  if (groups.empty()) return {};
  std::vector<UserId> users, claimed_users;
  std::vector<std::optional<std::string>> keys;
  for (const auto& g : groups) users.push_back(g.user_id), keys.push_back(g.group_key);
  // Each claimed row back to its group by what PostgreSQL returns: a user id in its canonical
  // form (as a UserId always is) and the key as given.
  std::map<std::pair<UserId, std::string>, const GroupedContent*> by_group;
  for (const auto& g : groups) by_group[{g.user_id, g.group_key}] = &g;
  std::vector<std::string> ids;
  std::vector<std::optional<std::string>> claimed_keys, created, contents, counts;
  std::vector<bool> fresh;
  for (const auto& r : tx.exec_params(kClaimGroups, db::uuid_array(users), std::string(type), db::text_array(keys))) {
    const auto user = r["user_id"].as<UserId>();
    const auto key = r["group_key"].as<std::string>();
    const auto* g = by_group.at({user, key});
    claimed_users.push_back(user);
    claimed_keys.push_back(key);
    ids.push_back(r["notification_id"].as<std::string>());
    created.push_back(r["created_at"].as<std::string>());
    contents.push_back(g->content.dump());
    counts.push_back(std::to_string(g->count));
    fresh.push_back(r["fresh"].as<bool>());
  }
  std::vector<CoalescedFor> out;
  for (const auto& r : tx.exec_params(kWriteGroups, db::uuid_array(claimed_users), db::text_array(claimed_keys),
                                      db::uuid_array(ids), db::text_array(created), db::text_array(contents),
                                      db::text_array(counts), db::bool_array(fresh), std::string(type)))
    out.push_back({.user_id = r["user_id"].as<UserId>(),
                   .coalesced = {.notification = notification(r), .inserted = r["inserted"].as<bool>()}});
  return out;
}

std::map<UserId, Json> settings_of_many(pqxx::work& tx, const std::vector<UserId>& user_ids) {
  std::map<UserId, Json> out;
  for (const auto& r : tx.exec_params(kSettingsOfMany, db::uuid_array(user_ids)))
    out[r["user_id"].as<UserId>()] = db::json_or(r, "notification_settings", Json::object());
  return out;
}

std::vector<Notification> list(pqxx::work& tx, const UserId& user_id, const std::optional<Cursor>& after, int limit,
                               bool unread_only) {
  const pqxx::result rows = after ? tx.exec_params(unread_only ? kListUnreadAfter : kListAfter, user_id, limit,
                                                   timestamp_literal(after->created_us), after->notification_id)
                                  : tx.exec_params(unread_only ? kListUnread : kList, user_id, limit);
  std::vector<Notification> out;
  for (const auto& row : rows) out.push_back(notification(row));
  return out;
}

int unread_count(pqxx::work& tx, const UserId& user_id) {
  return tx.exec_params1(kUnreadCount, user_id)["unread"].as<int>();
}

std::optional<Notification> mark_read(pqxx::work& tx, const UserId& user_id, const std::string& notification_id) {
  tx.exec_params(kCloseGroupOf, user_id, notification_id);
  auto r = tx.exec_params(kMarkRead, user_id, notification_id);
  if (r.empty()) return std::nullopt;
  return notification(r[0]);
}

int mark_all_read(pqxx::work& tx, const UserId& user_id) {
  tx.exec_params(kLockGroupsOf, user_id);
  return tx.exec_params1(kMarkAllRead, user_id)["marked"].as<int>();
}

void queue(pqxx::work& tx, const std::vector<Delivery>& deliveries) {
  if (deliveries.empty()) return;
  std::vector<std::optional<std::string>> ids, channels, payloads;
  std::vector<UserId> users;
  for (const auto& d : deliveries) {
    ids.push_back(d.notification_id);
    users.push_back(d.user_id);
    channels.push_back(std::string(channel_name(d.channel)));
    payloads.push_back(d.payload.dump());
  }
  tx.exec_params(kQueue, db::text_array(ids), db::uuid_array(users), db::text_array(channels),
                 db::text_array(payloads));
}

std::vector<OutboxRow> claim(pqxx::work& tx, const std::string& claim, int limit, std::chrono::seconds lease) {
  std::vector<OutboxRow> out;
  for (const auto& row : tx.exec_params(kClaim, claim, limit, static_cast<int>(lease.count())))
    out.push_back({.outbox_id = row["outbox_id"].as<std::string>(),
                   .user_id = row["user_id"].as<UserId>(),
                   .channel = channel_from_name(row["channel"].as<std::string>()).value_or(Channel::push),
                   .payload = Json::parse(row["payload"].as<std::string>()),
                   .attempts = row["attempts"].as<int>(),
                   .unread = row["unread"].as<bool>()});
  return out;
}

void mark_sent(pqxx::work& tx, const std::string& outbox_id) { tx.exec_params(kMarkSent, outbox_id); }

bool mark_failed(pqxx::work& tx, const std::string& outbox_id, const std::string& claim, const std::string& error,
                 std::optional<std::chrono::seconds> retry_in) {
  auto r = tx.exec_params(kMarkFailed, outbox_id, claim, error, !retry_in.has_value(),
                          static_cast<int>(retry_in.value_or(std::chrono::seconds(0)).count()));
  return r.affected_rows() == 1;
}

void release(pqxx::work& tx, const std::vector<std::string>& outbox_ids, const std::string& claim) {
  if (outbox_ids.empty()) return;
  tx.exec_params(kRelease, db::uuid_array(outbox_ids), claim);
}

Backlog outbox_backlog(pqxx::work& tx) { return backlog_of(tx.exec1(kOutboxBacklog)); }

int count_other_push_subscriptions(pqxx::work& tx, const UserId& user_id, const std::string& endpoint) {
  tx.exec_params(kLockPushSubscriptionsOf, user_id);
  return tx.exec_params1(kCountOtherPushSubscriptions, user_id, endpoint)["n"].as<int>();
}

SavedSubscription save_push_subscription(pqxx::work& tx, const UserId& user_id, const std::string& session_id,
                                         const PushSubscriptionInput& in) {
  auto r = tx.exec_params1(kSavePushSubscription, user_id, in.endpoint, in.p256dh, in.auth, session_id);
  return {.subscription = push_subscription(r), .created = r["created"].as<bool>()};
}

int end_push_subscriptions(pqxx::work& tx, const UserId& user_id, const std::vector<std::string>& sessions,
                           bool all_but, const std::optional<std::string>& kept) {
  return static_cast<int>(
      tx.exec_params0(kEndPushSubscriptions, user_id,
                      db::text_array(std::vector<std::optional<std::string>>(sessions.begin(), sessions.end())),
                      all_but, kept)
          .affected_rows());
}

bool delete_push_subscription(pqxx::work& tx, const UserId& user_id, const std::string& endpoint) {
  return tx.exec_params(kDeletePushSubscription, user_id, endpoint).affected_rows() > 0;
}

std::vector<PushSubscription> push_subscriptions_of(pqxx::work& tx, const UserId& user_id) {
  std::vector<PushSubscription> out;
  for (const auto& r : tx.exec_params(kPushSubscriptionsOf, user_id)) out.push_back(push_subscription(r));
  return out;
}

void forget_push_subscription(pqxx::work& tx, const std::string& subscription_id) {
  tx.exec_params(kForgetPushSubscription, subscription_id);
}

bool start_push_delivery(pqxx::work& tx, const std::string& outbox_id, const std::string& subscription_id,
                         const UserId& user_id) {
  return !tx.exec_params(kStartPushDelivery, outbox_id, subscription_id, user_id).empty();
}

void finish_push_delivery(pqxx::work& tx, const std::string& outbox_id, const std::string& subscription_id,
                          std::string_view outcome, long status) {
  tx.exec_params(kFinishPushDelivery, outbox_id, subscription_id, std::string(outcome), static_cast<int>(status));
  if (outcome == "sent") tx.exec_params(kTouchPushSubscription, subscription_id);
}

std::string language_of(pqxx::work& tx, const UserId& user_id) {
  auto r = tx.exec_params(kLanguageOf, user_id);
  return r.empty() ? std::string("en") : r[0]["language"].as<std::string>();
}

std::optional<Json> unread_content(pqxx::work& tx, const std::string& notification_id) {
  auto r = tx.exec_params(kUnreadContent, notification_id);
  if (r.empty()) return std::nullopt;
  return Json::parse(r[0]["content"].as<std::string>());
}

}  // namespace pm::notifications::repository

namespace pm::notifications {

Json personal_data(pqxx::work& tx, const UserId& user_id) {
  Json out = db::export_entries(tx, repository::kExportQueries, user_id);
  // A like's match stays unshown in the export as in the list (model.hpp shown_content).
  for (auto& entry : out["notifications"])
    entry["content"] = shown_content(entry.value("type", ""), entry.value("content", Json::object()));
  return out;
}

void before_account_deletion(pqxx::work& tx, const UserId& user_id) {
  repository::forget_about(tx, user_id, std::nullopt);
}

}  // namespace pm::notifications
