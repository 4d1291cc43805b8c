#include "matching/repository.hpp"

#include "core/crypto.hpp"
#include "db/row.hpp"
#include "db/sql.hpp"
#include "matching/personal_data.hpp"

namespace pm::matching::repository {

namespace {

using db::uuid_array;

// Users whose profile, preferences or vectors changed since $1 (an ISO time; '-infinity' for all),
// 5 s of slack before it, with the time of their latest change. Each table's changes are found by
// its own updated_at index and nothing is joined: a greatest() of the three over the join read
// every user on every poll (2.3 s a call at 100,000 users, every 2 s), and joining only the
// changed users still cost 60 us a user (the users table's row policy), 0.3 s a poll while the
// slack held the last 5 s of `matches generate --all`'s vector writes (docs/benchmarks.md). The
// caller fetches the rows (kUserRow) of the users it has not loaded yet.
constexpr const char* kChangedUsers = R"sql(
  SELECT user_id, to_char(max(updated_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS changed_at
  FROM (SELECT user_id, updated_at FROM user_profiles WHERE updated_at >= $1::timestamptz - interval '5 seconds'
        UNION ALL
        SELECT user_id, updated_at FROM search_preferences WHERE updated_at >= $1::timestamptz - interval '5 seconds'
        UNION ALL
        SELECT user_id, updated_at FROM user_vectors WHERE updated_at >= $1::timestamptz - interval '5 seconds') c
  GROUP BY user_id
  ORDER BY user_id
)sql";
// UserRow of the users $1 (an array), with or without vectors. The place to a 0.01 degree grid
// (1.1 km north to south, less east to west), as a profile shows its distance from: matching's
// distance filter, exact to the metre, let an account with its filters narrowed to one person and
// its own pin moved around find where that person lives, one generation at a time. A limit reaches
// 2 km further, as two places a square's diagonal (1.6 km at most) apart can be one grid point, so
// nobody truly within it is missed.
constexpr const char* kUserRow = R"sql(
  SELECT u.user_id, u.gender, u.seeking_gender, date_part('year', age(u.birth_date))::int AS age,
         coalesce(p.min_age, 18) AS min_age, coalesce(p.max_age, 99) AS max_age,
         CASE WHEN coalesce(p.max_distance, 0) > 0 THEN p.max_distance + 2 ELSE 0 END AS max_distance,
         ST_Y(ST_SnapToGrid(u.location_point::geometry, 0.01)) AS latitude,
         ST_X(ST_SnapToGrid(u.location_point::geometry, 0.01)) AS longitude, u.profile_visibility,
         coalesce((p.privacy_settings->>'discoverable')::boolean, true) AS discoverable,
         coalesce(u.profile_completed, false) AS profile_completed,
         (v.doc->'profileVector'->'vector')::text AS traits, (v.doc->'textEmbedding'->'vector')::text AS text_vector,
         coalesce(u.first_name, '') AS first_name,
         to_char(greatest(u.updated_at, p.updated_at, v.updated_at) AT TIME ZONE 'UTC',
                 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS changed_at,
         coalesce(u.location, '') AS location
  FROM user_profiles u JOIN search_preferences p ON p.user_id = u.user_id
  LEFT JOIN user_vectors v ON v.user_id = u.user_id
  WHERE u.user_id = ANY($1::uuid[])
)sql";

constexpr const char* kFirstNames = R"sql(
  SELECT user_id, coalesce(first_name, '') AS first_name FROM user_profiles WHERE user_id = ANY($1::uuid[])
)sql";
constexpr const char* kBios = R"sql(
  SELECT user_id, coalesce(bio, '') AS bio FROM user_profiles WHERE user_id = ANY($1::uuid[])
)sql";

constexpr const char* kTextEmbeddings = R"sql(
  SELECT user_id::text AS user_id, (doc->'textEmbedding')::text AS text_embedding FROM user_vectors
  WHERE user_id = ANY($1::uuid[]) AND doc ? 'textEmbedding'
)sql";
// Insights' starters quote a person as "<other>, ask <name> about <topic>: they wrote “...”"
// (insights.cpp). User $1 (first name $2) took their words back: in the documents of their
// matches, a quote stays only when it is the other person's, by the other's name today, and that
// name is not $2. Any doubt drops it: $1 renamed since (their quotes bear the old name), two
// people of one name, the other renamed (their own quote goes too: a starter lost, no words kept).
constexpr const char* kDropQuotesOf = R"sql(
  UPDATE compatibility_insight_documents d
  SET doc = jsonb_set(d.doc, '{insights,premiumInsights,conversationStarters}',
                      coalesce((SELECT jsonb_agg(to_jsonb(s.line) ORDER BY s.n)
                                FROM jsonb_array_elements_text(d.doc #> '{insights,premiumInsights,conversationStarters}')
                                       WITH ORDINALITY AS s(line, n)
                                WHERE strpos(s.line, ': they wrote ') = 0
                                   OR (o.name <> '' AND lower(o.name) <> lower($2)
                                       AND strpos(lower(s.line), 'ask ' || lower(o.name) || ' about ') > 0)),
                               '[]'::jsonb))
  FROM (SELECT m.match_id, coalesce(p.first_name, '') AS name
        FROM (SELECT match_id, user_id_2 AS other FROM matches WHERE user_id_1 = $1
              UNION ALL SELECT match_id, user_id_1 FROM matches WHERE user_id_2 = $1) m
        LEFT JOIN user_profiles p ON p.user_id = m.other) o
  WHERE d.match_id = o.match_id
    AND jsonb_typeof(d.doc #> '{insights,premiumInsights,conversationStarters}') = 'array'
)sql";
// $1: [{user_id, doc}], $2: when the answers the documents come from were read. A save whose
// answers were read before the stored document's is dropped (an overlapping computation's newer
// vectors are kept).
constexpr const char* kSaveVectorDocuments = R"sql(
  INSERT INTO user_vectors (user_id, doc, answers_read_at)
  SELECT r.user_id, r.doc, $2::timestamptz FROM jsonb_to_recordset($1::jsonb) AS r(user_id uuid, doc jsonb)
  ON CONFLICT (user_id) DO UPDATE
    SET doc = EXCLUDED.doc || jsonb_build_object('createdAt', coalesce(user_vectors.doc->'createdAt',
                                                                      EXCLUDED.doc->'createdAt')),
        answers_read_at = EXCLUDED.answers_read_at, updated_at = now()
    WHERE user_vectors.answers_read_at IS NULL OR user_vectors.answers_read_at <= EXCLUDED.answers_read_at
  RETURNING user_id
)sql";
constexpr const char* kTransactionStart = R"sql(SELECT now()::text AS at)sql";
// $1: [{user_id, vector, metadata}].
constexpr const char* kSaveEmbeddings = R"sql(
  INSERT INTO user_embeddings (user_id, embedding_vector, metadata)
  SELECT r.user_id, r.vector, r.metadata FROM jsonb_to_recordset($1::jsonb) AS r(user_id uuid, vector real[], metadata jsonb)
  ON CONFLICT (user_id) DO UPDATE
    SET embedding_vector = EXCLUDED.embedding_vector, metadata = EXCLUDED.metadata, created_at = now()
)sql";

// Generation
// $1: users. One row per (user, other): blocked either way, or paired (pending: the match is).
constexpr const char* kStandings = R"sql(
  WITH u AS (SELECT DISTINCT unnest($1::uuid[]) AS user_id)
  SELECT u.user_id, b.blocked_id AS other, false AS pending FROM u JOIN blocked_pairs b ON b.blocker_id = u.user_id
  UNION ALL SELECT u.user_id, b.blocker_id, false FROM u JOIN blocked_pairs b ON b.blocked_id = u.user_id
  UNION ALL SELECT u.user_id, m.user_id_2, m.status = 'pending' FROM u JOIN matches m ON m.user_id_1 = u.user_id
  UNION ALL SELECT u.user_id, m.user_id_1, m.status = 'pending' FROM u JOIN matches m ON m.user_id_2 = u.user_id
)sql";
// The staging table copy_matches fills with COPY; gone at the end of the transaction. (COPY
// cannot write to matches itself: PostgreSQL refuses COPY FROM into a table under row-level
// security, and every table of users' data has it enabled and forced, docs/security.md.)
constexpr const char* kStageMatches = R"sql(
  CREATE TEMP TABLE staged_matches (match_id uuid, u1 uuid, u2 uuid, score float8, details jsonb, ranking text,
                                    mutual_interest float8)
    ON COMMIT DROP
)sql";
// The insight documents (~3 KB each) are compressed when stored: with the default pglz that was
// the generation writer's largest single cost when it wrote them (18% of its PostgreSQL backend in
// perf); lz4 is several times faster. It applies to the values this transaction stores; reading
// either kind is transparent. Only where this PostgreSQL was built with lz4 (Debian's is):
// elsewhere pglz stays, rather than the SET failing and with it the write.
constexpr const char* kLz4Documents = R"sql(
  SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings
  WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)
)sql";
// From the staging table into matches, in one statement. Each side of a pair is one primary-key
// look-up: both accounts exist and neither is banned or suspended (a suspended or banned account is
// out of matching, docs/admin.md); no row: NULL, not kept. Scalar subqueries, not EXISTS: the
// planner turned EXISTS into hash joins over two full scans of the users (the staging table has no
// statistics, and a few thousand look-ups cost more than a scan in its model); a scalar subquery
// is always the look-up the statement means. (No gain measured in a whole run: docs/benchmarks.md.)
constexpr const char* kMoveStagedMatches = R"sql(
    INSERT INTO matches (match_id, user_id_1, user_id_2, compatibility_score, score_details, ranking, mutual_interest)
    SELECT DISTINCT ON (s.u1, s.u2) s.match_id, s.u1, s.u2, s.score, s.details, s.ranking, s.mutual_interest
    FROM staged_matches s
    WHERE (SELECT banned_at IS NULL AND (suspended_until IS NULL OR suspended_until <= now())
           FROM user_profiles WHERE user_id = s.u1)
      AND (SELECT banned_at IS NULL AND (suspended_until IS NULL OR suspended_until <= now())
           FROM user_profiles WHERE user_id = s.u2)
    ORDER BY s.u1, s.u2, s.score DESC
    ON CONFLICT (user_id_1, user_id_2) DO NOTHING RETURNING match_id, user_id_1, user_id_2
)sql";

// The condition on match `m` of every query that shows matches to a person (the list, one match,
// the likes received): neither a pair blocked either way nor one with a banned account (a scam, a
// fake: docs/admin.md).
constexpr std::string_view kShownPair = R"sql(
    NOT EXISTS (SELECT 1 FROM blocked_pairs b
                WHERE (b.blocker_id = m.user_id_1 AND b.blocked_id = m.user_id_2)
                   OR (b.blocker_id = m.user_id_2 AND b.blocked_id = m.user_id_1))
    AND NOT EXISTS (SELECT 1 FROM user_profiles x WHERE x.user_id IN (m.user_id_1, m.user_id_2) AND x.banned_at IS NOT NULL)
)sql";

// A match's insights and attribute rows, the first time it is opened (Engine::write_insights): $1
// match, $2 highlights, $3 detailed analysis, $4 the document, $5 the attributes ([{id, name,
// score, description}]), $6 the person opening it. Only while it is theirs and still shown (not
// blocked or banned since it was read); of two first views at once, the first stays.
const std::string kSaveInsights = R"sql(
  WITH shown AS (SELECT m.match_id, m.user_id_1, m.user_id_2 FROM matches m
                 WHERE m.match_id = $1 AND $6::uuid IN (m.user_id_1, m.user_id_2) AND )sql" +
                                  std::string(kShownPair) + R"sql(),
  a AS (INSERT INTO match_attributes (attribute_id, match_id, attribute_name, score, description)
        SELECT x.id, m.match_id, x.name, x.score, x.description
        FROM shown m, jsonb_to_recordset($5::jsonb) AS x(id uuid, name text, score float8, description text)
        WHERE NOT EXISTS (SELECT 1 FROM match_attributes WHERE match_id = $1)
        ON CONFLICT (match_id, attribute_name) DO NOTHING),
  c AS (INSERT INTO compatibility_insights (match_id, highlights, detailed_analysis, is_premium)
        SELECT match_id, $2::jsonb, $3, true FROM shown
        ON CONFLICT (match_id) DO NOTHING)
  INSERT INTO compatibility_insight_documents (match_id, user_id_1, user_id_2, doc)
  SELECT match_id, user_id_1, user_id_2, $4::jsonb FROM shown
  ON CONFLICT (match_id) DO NOTHING
)sql";

// Whether match `m`'s age passes the expiry window (`days_param`, e.g. "$1": PM_MATCH_EXPIRY_DAYS).
// One rule for the worker's expiry and the rewind, which must not bring back what expiry would end.
std::string past_expiry(std::string_view days_param) {
  return "m.created_at < now() - make_interval(days => " + std::string(days_param) + ")";
}

// Discovery. MatchRow: a match (m) with both users' preview facts (name, age, location label, first
// photo's thumbnail key) and its summary.
constexpr std::string_view kMatchRowSelect = R"sql(
  SELECT m.match_id, m.user_id_1, m.user_id_2, m.status,
         to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
         m.compatibility_score, coalesce(m.user_1_liked, false) AS liked_1, coalesce(m.user_2_liked, false) AS liked_2,
         m.ranking,
         (SELECT jsonb_agg(jsonb_build_object(
                   'user_id', u.user_id, 'first_name', u.first_name,
                   'age', CASE WHEN coalesce((SELECT (pp.privacy_settings->>'show_age')::boolean FROM search_preferences pp
                                              WHERE pp.user_id = u.user_id), true)
                               THEN date_part('year', age(u.birth_date))::int END,
                   'location', u.location, 'hidden', u.profile_visibility = 'hidden',
                   'photo_key', (SELECT pm.thumbnail_url FROM profile_thumbnails pm WHERE pm.user_id = u.user_id
                                 ORDER BY pm.display_order LIMIT 1))
                 ORDER BY u.user_id)
          FROM user_profiles u WHERE u.user_id IN (m.user_id_1, m.user_id_2))::text AS users,
         m.score_details->>'summary' AS summary,
         (SELECT mc.conversation_id FROM match_conversations mc WHERE mc.match_id = m.match_id) AS conversation_id
  FROM matches m
)sql";
// $1 user, $2 statuses (a JSON array), $3 the cursor (the last match of the page before, the
// user's own: list_matches checks; NULL: first page), $4 limit. In the order generation decided
// (matches.rank_key, migrations/0028), continuing after the cursor's stored key: the key itself
// never leaves the database. Only shown pairs (kShownPair).
const std::string kListMatches = std::string(kMatchRowSelect) + R"sql(
  WHERE (m.user_id_1 = $1 OR m.user_id_2 = $1) AND m.status IN (SELECT jsonb_array_elements_text($2::jsonb))
    AND ($3::uuid IS NULL OR (m.rank_key, m.match_id) < (SELECT c.rank_key, c.match_id FROM matches c
                                                         WHERE c.match_id = $3::uuid
                                                           AND (c.user_id_1 = $1 OR c.user_id_2 = $1)))
    AND )sql" + std::string(kShownPair) +
                                 R"sql(
  ORDER BY m.rank_key DESC, m.match_id DESC LIMIT $4
)sql";
// The user's current matches: those whose previews the others' lists show.
constexpr const char* kCurrentMatchesOf = R"sql(
  SELECT match_id, CASE WHEN user_id_1 = $1 THEN user_id_2 ELSE user_id_1 END AS partner
  FROM matches WHERE (user_id_1 = $1 OR user_id_2 = $1) AND status IN ('pending', 'active')
)sql";
// Whether user $2 is in match $1 (any status, blocked or not): a list cursor must name one.
constexpr const char* kInMatch = R"sql(
  SELECT 1 FROM matches WHERE match_id = $1 AND (user_id_1 = $2 OR user_id_2 = $2)
)sql";
// MatchRow $1 if user $2 is in it (and it is listed: kListMatches).
const std::string kMatchFor = std::string(kMatchRowSelect) + R"sql(
  WHERE m.match_id = $1 AND (m.user_id_1 = $2 OR m.user_id_2 = $2)
    AND )sql" + std::string(kShownPair);
// The same, the match's row locked until the transaction ends.
const std::string kMatchForUpdate = kMatchFor + " FOR UPDATE OF m";
// Its rows (time-ordered ids: in the order they were built), or before its first opening the
// six generation stored in score_details, in their order there.
constexpr const char* kAttributesOf = R"sql(
  SELECT attribute_name, score, description FROM (
    SELECT attribute_name::text, score, coalesce(description, '') AS description, attribute_id::text AS k
    FROM match_attributes WHERE match_id = $1
    UNION ALL
    SELECT f->>'name', (f->>'score')::float8, coalesce(f->>'description', ''), lpad(x.n::text, 4, '0')
    FROM matches m, jsonb_array_elements(CASE WHEN jsonb_typeof(m.score_details->'attributes') = 'array'
                                              THEN m.score_details->'attributes' END) WITH ORDINALITY AS x(f, n)
    WHERE m.match_id = $1 AND NOT EXISTS (SELECT 1 FROM match_attributes WHERE match_id = $1)) a
  ORDER BY k
)sql";
constexpr const char* kInsightDocument = R"sql(
  SELECT doc::text FROM compatibility_insight_documents WHERE match_id = $1
)sql";

// Decisions: $1 match, $2 the deciding user.
constexpr const char* kLike = R"sql(
  UPDATE matches SET user_1_liked = user_1_liked OR user_id_1 = $2, user_2_liked = user_2_liked OR user_id_2 = $2,
                     updated_at = now()
  WHERE match_id = $1 AND (user_id_1 = $2 OR user_id_2 = $2) AND status IN ('pending', 'active')
  RETURNING match_id
)sql";
constexpr const char* kActivateIfMutual = R"sql(
  UPDATE matches SET status = 'active' WHERE match_id = $1 AND status = 'pending' AND user_1_liked AND user_2_liked
)sql";
constexpr const char* kReject = R"sql(
  UPDATE matches SET status = 'rejected', updated_at = now()
  WHERE match_id = $1 AND (user_id_1 = $2 OR user_id_2 = $2) AND status = $3
  RETURNING match_id
)sql";
// A pass: rejected from pending, with who passed and when (what a rewind undoes).
constexpr const char* kPass = R"sql(
  UPDATE matches SET status = 'rejected', passed_by = $2, passed_at = now(), updated_at = now()
  WHERE match_id = $1 AND (user_id_1 = $2 OR user_id_2 = $2) AND status = 'pending'
  RETURNING match_id
)sql";
// A rewind: the user's most recent pass still in effect, of a pair still shown (kShownPair: not
// blocked since, no banned account), becomes pending again; unless its match is older than the
// expiry window ($2 days), which kExpirePending would end at once (then it is named, untouched).
const std::string kRewindLastPass = R"sql(
  WITH last AS (
    SELECT m.match_id, )sql" + past_expiry("$2") +
                                    R"sql( AS too_old FROM matches m
    WHERE m.passed_by = $1 AND m.status = 'rejected'
      AND )sql" + std::string(kShownPair) +
                                    R"sql(
    ORDER BY m.passed_at DESC, m.match_id LIMIT 1
    FOR UPDATE),
  undone AS (
    UPDATE matches SET status = 'pending', passed_by = NULL, passed_at = NULL, updated_at = now()
    FROM last WHERE matches.match_id = last.match_id AND NOT last.too_old)
  SELECT match_id, too_old FROM last
)sql";
// Likes received: pending matches of $1 where the other liked and $1 has not decided yet (a pair
// blocked either way never counts). Newest first, at most $2.
// How many pending matches user $1 was liked in without deciding yet (a block between the two
// hides it), and the newest $2 of them: one row with the count and no match when $2 is 0 or
// there are none, else one row per match.
const std::string kLikesReceived = R"sql(
  WITH liked AS (
    SELECT m.match_id, m.updated_at FROM matches m
    WHERE m.status = 'pending'
      AND ((m.user_id_1 = $1 AND coalesce(m.user_2_liked, false) AND NOT coalesce(m.user_1_liked, false))
        OR (m.user_id_2 = $1 AND coalesce(m.user_1_liked, false) AND NOT coalesce(m.user_2_liked, false)))
      AND )sql" + std::string(kShownPair) +
                                   R"sql()
  SELECT total.n, page.match_id
  FROM (SELECT count(*)::int AS n FROM liked) total
  LEFT JOIN LATERAL (SELECT match_id, updated_at FROM liked ORDER BY updated_at DESC, match_id LIMIT $2) page ON true
  ORDER BY page.updated_at DESC, page.match_id
)sql";
constexpr const char* kOpenConversation = R"sql(
  INSERT INTO match_conversations (match_id) VALUES ($1) ON CONFLICT (match_id) DO NOTHING
)sql";
constexpr const char* kConversationOfMatch = R"sql(
  SELECT conversation_id FROM match_conversations WHERE match_id = $1
)sql";
const std::string kExpirePending = R"sql(
  UPDATE matches m SET status = 'expired', updated_at = now()
  WHERE m.status = 'pending' AND )sql" +
                                   past_expiry("$1") + R"sql(
  RETURNING m.match_id, m.user_id_1, m.user_id_2
)sql";
// A block ends the pair's pending matches: kept, one came back untouched at the unblock, and a
// free user could learn whether someone liked them from their likes' count, block and unblock.
constexpr const char* kEndPendingBetween = R"sql(
  UPDATE matches SET status = 'rejected', updated_at = now()
  WHERE ((user_id_1 = $1 AND user_id_2 = $2) OR (user_id_1 = $2 AND user_id_2 = $1)) AND status = 'pending'
  RETURNING match_id
)sql";

// The worker's queues
constexpr const char* kQueueGeneration = R"sql(
  INSERT INTO match_generation_queue (user_id, reason) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING
)sql";
constexpr const char* kTakeQueued = R"sql(
  DELETE FROM match_generation_queue
  WHERE user_id IN (SELECT user_id FROM match_generation_queue ORDER BY queued_at LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING user_id
)sql";
constexpr const char* kGenerationBacklog = R"sql(
  SELECT count(*) AS waiting, COALESCE(EXTRACT(EPOCH FROM now() - min(queued_at)), 0)::float8 AS oldest_due_seconds
  FROM match_generation_queue
)sql";

// The reciprocal model's versions.
constexpr const char* kInsertModel = R"sql(
  INSERT INTO matching_models (outcomes, format, model, metrics) VALUES ($1, $2, $3::bytea, $4::jsonb)
  RETURNING version
)sql";
constexpr const char* kPruneModels = R"sql(
  DELETE FROM matching_models WHERE version NOT IN (SELECT version FROM matching_models ORDER BY version DESC LIMIT $1)
)sql";
constexpr const char* kBannedUsers =
    R"sql(SELECT user_id::text AS user_id FROM user_profiles WHERE banned_at IS NOT NULL)sql";
constexpr const char* kDeleteOldModels = R"sql(
  DELETE FROM matching_models WHERE trained_at < now() - make_interval(days => $1)
)sql";
constexpr const char* kModelVersions = R"sql(SELECT version FROM matching_models ORDER BY version DESC)sql";
constexpr const char* kModel = R"sql(SELECT version, model FROM matching_models WHERE version = $1)sql";

// `matches generate --all`
constexpr const char* kUsersWithVectors = R"sql(
  SELECT user_id FROM user_vectors WHERE ($1::text = '' OR user_id > $1::uuid) ORDER BY user_id LIMIT $2
)sql";
constexpr const char* kCountUsersWithVectors = R"sql(SELECT count(*) AS users FROM user_vectors)sql";
// Every user at once: the filter on the questionnaire document is a sequential scan that reads
// every document (PostgreSQL does not cost the detoasting), and as pages of 1,000 after an id it
// took 1.2 s a page at 100,000 users, 2 minutes of the 3 of the vectors (docs/benchmarks.md).
constexpr const char* kUsersNeedingVectors = R"sql(
  SELECT r.user_id FROM completed_questionnaires r LEFT JOIN user_vectors v ON v.user_id = r.user_id
  WHERE r.bank_key = $1 AND (v.user_id IS NULL OR v.updated_at < r.updated_at)
  ORDER BY r.user_id
)sql";
constexpr const char* kRunPosition = R"sql(
  SELECT coalesce(last_user_id::text, '') AS last_user_id FROM match_generation_runs
  WHERE run_id = $1 AND finished_at IS NULL
)sql";
constexpr const char* kSaveRunPosition = R"sql(
  INSERT INTO match_generation_runs (run_id, last_user_id, users_done, finished_at)
  VALUES ($1, nullif($2, '')::uuid, $3, CASE WHEN $4 THEN now() END)
  ON CONFLICT (run_id) DO UPDATE
    SET last_user_id = EXCLUDED.last_user_id, users_done = EXCLUDED.users_done, finished_at = EXCLUDED.finished_at
)sql";

// A vector stored as a JSON array (text); empty for NULL.
std::vector<float> floats(const pqxx::row& row, const char* column) {
  std::vector<float> out;
  const auto text = db::opt<std::string>(row, column);
  if (!text) return out;
  for (const auto& x : Json::parse(*text))
    if (x.is_number()) out.push_back(x.get<float>());
  return out;
}

UserRow user_from(const pqxx::row& r) {
  UserRow u;
  u.user_id = r["user_id"].as<std::string>();
  u.changed_at = db::opt<std::string>(r, "changed_at").value_or("");
  u.gender = db::opt<std::string>(r, "gender").value_or("");
  u.facts.gender = gender_bit(u.gender);
  u.facts.seeking = seeking_mask(db::opt<std::string>(r, "seeking_gender").value_or(""));
  const auto age = db::opt<int>(r, "age");
  u.facts.age = static_cast<std::int16_t>(age.value_or(0));
  u.facts.min_age = static_cast<std::int16_t>(r["min_age"].as<int>());
  u.facts.max_age = static_cast<std::int16_t>(r["max_age"].as<int>());
  u.facts.max_distance_km = r["max_distance"].as<int>();
  const auto lat = db::opt<float>(r, "latitude");
  u.facts.located = lat.has_value();
  if (u.facts.located) {
    u.facts.lat = *lat;
    u.facts.lon = r["longitude"].as<float>();
  }
  // Not discoverable (a privacy setting) takes a user out of matching as a hidden profile does:
  // nobody is offered them, and they are offered nobody (a match would show them to its other half).
  u.facts.hidden = db::opt<std::string>(r, "profile_visibility") == "hidden" || !r["discoverable"].as<bool>();
  u.facts.complete = r["profile_completed"].as<bool>() && age.has_value();
  u.traits = floats(r, "traits");
  u.text = floats(r, "text_vector");
  u.first_name = r["first_name"].as<std::string>();
  u.location = r["location"].as<std::string>();
  return u;
}

MatchRow match_from(const pqxx::row& r) {
  return {.match_id = r["match_id"].as<MatchId>(),
          .user_id_1 = r["user_id_1"].as<UserId>(),
          .user_id_2 = r["user_id_2"].as<UserId>(),
          // the table's CHECK names the statuses
          .status = match_status_from(r["status"].as<std::string>()).value(),
          .created_at = r["created_at"].as<std::string>(),
          .score = r["compatibility_score"].as<double>(),
          .liked_1 = r["liked_1"].as<bool>(),
          .liked_2 = r["liked_2"].as<bool>(),
          .users = Json::parse(r["users"].as<std::string>()),
          .summary = db::opt<std::string>(r, "summary").value_or(""),
          .ranking = r["ranking"].as<std::string>(),
          .conversation_id = db::opt<std::string>(r, "conversation_id")};
}

// The matches of user $1, locked for their deletion with the account, in the order of their ids,
// before the user's row (a like locks its match, then its notifications' keys lock the users'
// rows: the other way round, a deletion and a like deadlocked).
constexpr const char* kLockMatchesOf = R"sql(
  SELECT match_id, CASE WHEN user_id_1 = $1 THEN user_id_2 ELSE user_id_1 END AS partner
  FROM matches WHERE user_id_1 = $1 OR user_id_2 = $1 ORDER BY match_id FOR UPDATE
)sql";
// The data export's parts (personal_data.hpp). A match as its person sees it in the app: their
// own like and pass, never the other's (who liked you is a paid feature, and a pass is not told;
// so no updated_at either: on a pending match only a like moves it);
// its score details without each side's satisfaction (how well one's answers meet the other's
// private preferences: the app shows it only in a premium plan's detailed analysis, and the export
// is every plan's); what was worked out about the pair as every plan's app shows it (the six
// attributes, the insights' summary and key factors). Not a match with someone who blocked the
// person (it would tell them of the block) or with a banned account, as the app shows neither; the
// person's own blocks are theirs to see.
const std::string kExportMatches = R"sql(
  SELECT jsonb_build_object(
           'match_id', m.match_id, 'other_user_id', CASE WHEN m.user_id_1 = $1 THEN m.user_id_2 ELSE m.user_id_1 END,
           'compatibility_score', m.compatibility_score, 'score_details', m.score_details - 'satisfaction',
           'status', m.status, 'ranking', m.ranking, 'created_at', m.created_at,
           'you_liked', CASE WHEN m.user_id_1 = $1 THEN m.user_1_liked ELSE m.user_2_liked END,
           'you_passed_at', CASE WHEN m.passed_by = $1 THEN m.passed_at END,
           -- A match never opened has no attribute rows yet: the six stored with it at generation.
           'attributes', coalesce((SELECT jsonb_agg(jsonb_build_object('name', a.attribute_name, 'score', a.score,
                                                                       'description', a.description)
                                                    ORDER BY a.attribute_id)
                                   FROM match_attributes a WHERE a.match_id = m.match_id),
                                  m.score_details->'attributes', '[]'::jsonb),
           -- A match never opened has no insight document yet: its summary and key factors are
           -- those stored with it at generation.
           'insights', coalesce((SELECT jsonb_build_object('summary', d.doc->'insights'->'summary',
                                                           'keyFactors', d.doc->'insights'->'keyFactors')
                                 FROM compatibility_insight_documents d WHERE d.match_id = m.match_id),
                                CASE WHEN m.score_details ? 'summary'
                                     THEN jsonb_build_object('summary', m.score_details->'summary',
                                                             'keyFactors', m.score_details->'attributes') END)) AS entry
  FROM matches m WHERE (m.user_id_1 = $1 OR m.user_id_2 = $1)
    AND NOT EXISTS (SELECT 1 FROM blocked_pairs b WHERE b.blocked_id = $1
                      AND b.blocker_id = CASE WHEN m.user_id_1 = $1 THEN m.user_id_2 ELSE m.user_id_1 END)
    AND NOT EXISTS (SELECT 1 FROM user_profiles x WHERE x.user_id IN (m.user_id_1, m.user_id_2) AND x.banned_at IS NOT NULL)
  ORDER BY m.created_at, m.match_id
)sql";
const std::pair<const char*, const char*> kExportQueries[] = {
    {"vectors", R"sql(SELECT to_jsonb(t) AS entry FROM user_vectors t WHERE user_id = $1)sql"},
    {"embedding", R"sql(SELECT to_jsonb(t) AS entry FROM user_embeddings t WHERE user_id = $1)sql"},
    {"matches", kExportMatches.c_str()},
};

// The demo's matches (bulk.hpp). $1 < $2, as matching orders a match's users.
constexpr const char* kInsertActiveMatch = R"sql(
  INSERT INTO matches (user_id_1, user_id_2, compatibility_score, status, user_1_liked, user_2_liked)
  VALUES ($1, $2, $3, 'active', true, true)
  RETURNING match_id
)sql";
// $1 < $2; $5 and $6 are the liked flags of user_id_1 and user_id_2.
constexpr const char* kInsertHistoryMatch = R"sql(
  INSERT INTO matches (user_id_1, user_id_2, compatibility_score, status, user_1_liked, user_2_liked, created_at,
                       updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $7::timestamptz)
  ON CONFLICT (user_id_1, user_id_2) DO NOTHING
  RETURNING match_id
)sql";

}  // namespace

std::vector<Change> changed_users(pqxx::work& tx, const std::string& since) {
  std::vector<Change> out;
  for (const auto& r : tx.exec_params(kChangedUsers, since.empty() ? std::string("-infinity") : since))
    out.push_back({.user_id = r["user_id"].as<std::string>(), .changed_at = r["changed_at"].as<std::string>()});
  return out;
}

std::optional<UserRow> user_row(pqxx::work& tx, const std::string& user_id) {
  auto rows = user_rows(tx, {user_id});
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<UserRow> user_rows(pqxx::work& tx, const std::vector<std::string>& user_ids) {
  std::vector<UserRow> out;
  for (const auto& r : tx.exec_params(kUserRow, uuid_array(user_ids))) out.push_back(user_from(r));
  return out;
}

std::map<std::string, std::string> first_names(pqxx::work& tx, const std::vector<std::string>& user_ids) {
  std::map<std::string, std::string> out;
  for (const auto& r : tx.exec_params(kFirstNames, uuid_array(user_ids)))
    out[r["user_id"].as<std::string>()] = r["first_name"].as<std::string>();
  return out;
}

std::map<std::string, std::string> bios_of(pqxx::work& tx, const std::vector<std::string>& user_ids) {
  std::map<std::string, std::string> out;
  for (const auto& r : tx.exec_params(kBios, uuid_array(user_ids)))
    out[r["user_id"].as<std::string>()] = r["bio"].as<std::string>();
  return out;
}

void drop_quotes_of(pqxx::work& tx, const UserId& user_id, const std::string& first_name) {
  tx.exec_params(kDropQuotesOf, user_id, first_name);
}

std::map<std::string, Json> text_embeddings_of(pqxx::work& tx, const std::vector<std::string>& user_ids) {
  std::map<std::string, Json> out;
  for (const auto& r : tx.exec_params(kTextEmbeddings, uuid_array(user_ids)))
    out[r["user_id"].as<std::string>()] = Json::parse(r["text_embedding"].as<std::string>());
  return out;
}

std::string transaction_start(pqxx::work& tx) { return tx.exec1(kTransactionStart)["at"].as<std::string>(); }

std::unordered_set<std::string> save_vectors(pqxx::work& tx, const std::vector<VectorsToSave>& users,
                                             const std::string& answers_read_at) {
  std::unordered_set<std::string> saved;
  if (users.empty()) return saved;
  Json documents = Json::array();
  for (const auto& u : users) documents.push_back({{"user_id", u.user_id}, {"doc", *u.doc}});
  for (const auto& r : tx.exec_params(kSaveVectorDocuments, documents.dump(), answers_read_at))
    saved.insert(r["user_id"].as<std::string>());
  Json embeddings = Json::array();
  for (const auto& u : users)
    if (saved.contains(u.user_id))
      embeddings.push_back({{"user_id", u.user_id}, {"vector", *u.profile}, {"metadata", *u.metadata}});
  if (!embeddings.empty()) tx.exec_params0(kSaveEmbeddings, embeddings.dump());
  return saved;
}

std::map<std::string, Standing> standings(pqxx::work& tx, const std::vector<std::string>& user_ids) {
  std::map<std::string, Standing> out;
  for (const auto& id : user_ids) out[id];
  for (const auto& r : tx.exec_params(kStandings, uuid_array(user_ids))) {
    auto& s = out[r["user_id"].as<std::string>()];
    s.excluded.insert(r["other"].as<std::string>());
    s.pending += r["pending"].as<bool>();
  }
  return out;
}

// The fields in the order of the columns copy_matches names below.
db::CopyRows stage_rows(const NewMatch& m) {
  const bool ordered = m.user_a < m.user_b;
  db::CopyRows staged;
  staged.text(m.match_id)
      .text(ordered ? m.user_a : m.user_b)
      .text(ordered ? m.user_b : m.user_a)
      .number(m.score)
      .text(m.score_details)
      .text(m.ranking)
      .number(m.mutual_interest)
      .end_row();
  return staged;
}

std::vector<InsertedMatch> copy_matches(pqxx::work& tx, const std::vector<NewMatch>& matches) {
  if (matches.empty()) return {};
  // Each match's rows as composed where it was built, or composed here.
  std::vector<db::CopyRows> composed_here;
  composed_here.reserve(matches.size());
  std::vector<const db::CopyRows*> rows;
  for (const auto& m : matches) {
    const auto* staged = &m.staged;
    if (staged->empty()) staged = &composed_here.emplace_back(stage_rows(m));
    rows.push_back(staged);
  }
  tx.exec(kStageMatches);
  db::copy_rows(tx, "staged_matches", {"match_id", "u1", "u2", "score", "details", "ranking", "mutual_interest"}, rows);
  std::vector<InsertedMatch> out;
  for (const auto& r : tx.exec(kMoveStagedMatches))
    out.push_back(
        {r["match_id"].as<std::string>(), r["user_id_1"].as<std::string>(), r["user_id_2"].as<std::string>()});
  return out;
}

void save_insights(pqxx::work& tx, const NewInsights& insights) {
  Json attributes = Json::array();
  for (const auto& [name, score, description] : insights.attributes)  // time-ordered ids: read back in this order
    attributes.push_back({{"id", crypto::uuid_v7()}, {"name", name}, {"score", score}, {"description", description}});
  tx.exec(kLz4Documents);
  // A match deleted with an account between the read and this write fails its foreign keys: then
  // there is nothing to write, and the transaction goes on.
  pqxx::subtransaction save(tx, "save_insights");
  try {
    save.exec_params(kSaveInsights, insights.match_id, insights.highlights, insights.detailed_analysis,
                     insights.document, dump_json(attributes), insights.viewer);
    save.commit();
  } catch (const pqxx::foreign_key_violation&) {
    save.abort();
  }
}

std::optional<std::vector<MatchRow>> list_matches(pqxx::work& tx, const UserId& user_id,
                                                  const std::vector<MatchStatus>& statuses,
                                                  const std::optional<MatchId>& after, int limit) {
  if (after && tx.exec_params(kInMatch, *after, user_id).empty()) return std::nullopt;
  Json st = Json::array();
  for (auto s : statuses) st.push_back(to_string(s));
  auto rows = tx.exec_params(kListMatches, user_id, st.dump(), after, limit);
  std::vector<MatchRow> out;
  for (const auto& r : rows) out.push_back(match_from(r));
  return out;
}

std::vector<std::pair<MatchId, UserId>> current_matches_of(pqxx::work& tx, const UserId& user_id) {
  std::vector<std::pair<MatchId, UserId>> out;
  for (const auto& r : tx.exec_params(kCurrentMatchesOf, user_id))
    out.emplace_back(MatchId(r["match_id"].as<std::string>()), UserId(r["partner"].as<std::string>()));
  return out;
}

std::optional<MatchRow> match_for(pqxx::work& tx, const MatchId& match_id, const UserId& user_id, bool for_update) {
  auto rows = tx.exec_params(for_update ? kMatchForUpdate : kMatchFor, match_id, user_id);
  if (rows.empty()) return std::nullopt;
  return match_from(rows[0]);
}

std::vector<std::tuple<std::string, double, std::string>> attributes_of(pqxx::work& tx, const MatchId& match_id) {
  std::vector<std::tuple<std::string, double, std::string>> out;
  for (const auto& r : tx.exec_params(kAttributesOf, match_id))
    out.emplace_back(r["attribute_name"].as<std::string>(), r["score"].as<double>(),
                     r["description"].as<std::string>());
  return out;
}

Json insight_document(pqxx::work& tx, const MatchId& match_id) {
  auto rows = tx.exec_params(kInsightDocument, match_id);
  return rows.empty() ? Json::object() : Json::parse(rows[0]["doc"].as<std::string>());
}

std::optional<std::pair<MatchRow, bool>> like(pqxx::work& tx, const MatchId& match_id, const UserId& user_id) {
  if (tx.exec_params(kLike, match_id, user_id).empty()) return std::nullopt;
  auto activated = tx.exec_params(kActivateIfMutual, match_id);
  auto row = match_for(tx, match_id, user_id);
  if (!row) return std::nullopt;
  return std::pair{*row, activated.affected_rows() > 0};
}

std::optional<MatchRow> reject(pqxx::work& tx, const MatchId& match_id, const UserId& user_id,
                               MatchStatus from_status) {
  auto done = from_status == MatchStatus::pending
                  ? tx.exec_params(kPass, match_id, user_id)
                  : tx.exec_params(kReject, match_id, user_id, std::string(to_string(from_status)));
  if (done.empty()) return std::nullopt;
  return match_for(tx, match_id, user_id);
}

std::optional<LastPass> rewind_last_pass(pqxx::work& tx, const UserId& user_id, int expiry_days) {
  auto last = tx.exec_params(kRewindLastPass, user_id, expiry_days);
  if (last.empty()) return std::nullopt;
  if (last[0]["too_old"].as<bool>()) return LastPass{.too_old = true};
  return LastPass{.rewound = match_for(tx, last[0]["match_id"].as<MatchId>(), user_id)};
}

LikesReceivedRows likes_received(pqxx::work& tx, const UserId& user_id, int limit) {
  LikesReceivedRows out;
  for (const auto& r : tx.exec_params(kLikesReceived, user_id, limit)) {
    out.count = r["n"].as<int>();
    if (r["match_id"].is_null()) continue;
    if (auto m = match_for(tx, r["match_id"].as<MatchId>(), user_id)) out.newest.push_back(std::move(*m));
  }
  return out;
}

ConversationId open_conversation(pqxx::work& tx, const MatchId& match_id) {
  tx.exec_params(kOpenConversation, match_id);
  return tx.exec_params1(kConversationOfMatch, match_id)["conversation_id"].as<ConversationId>();
}

std::string insert_active_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b, double score) {
  const bool ordered = user_a < user_b;
  return tx.exec_params1(kInsertActiveMatch, ordered ? user_a : user_b, ordered ? user_b : user_a, score)["match_id"]
      .as<std::string>();
}

std::optional<std::string> insert_history_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b,
                                                double score, const std::string& status, bool liked_a, bool liked_b,
                                                const std::string& created_at) {
  const bool ordered = user_a < user_b;
  auto rows = tx.exec_params(kInsertHistoryMatch, ordered ? user_a : user_b, ordered ? user_b : user_a, score, status,
                             ordered ? liked_a : liked_b, ordered ? liked_b : liked_a, created_at);
  if (rows.empty()) return std::nullopt;
  return rows[0]["match_id"].as<std::string>();
}

std::vector<std::tuple<MatchId, UserId, UserId>> expire_pending(pqxx::work& tx, int days) {
  std::vector<std::tuple<MatchId, UserId, UserId>> out;
  for (const auto& r : tx.exec_params(kExpirePending, days))
    out.emplace_back(r["match_id"].as<MatchId>(), r["user_id_1"].as<UserId>(), r["user_id_2"].as<UserId>());
  return out;
}

std::vector<MatchId> end_pending_between(pqxx::work& tx, const UserId& a, const UserId& b) {
  std::vector<MatchId> out;
  for (const auto& r : tx.exec_params(kEndPendingBetween, a, b)) out.push_back(r["match_id"].as<MatchId>());
  return out;
}

void queue_generation(pqxx::work& tx, const std::string& user_id, const std::string& reason) {
  tx.exec_params(kQueueGeneration, user_id, reason);
}

std::vector<UserId> take_queued(pqxx::work& tx, int limit) {
  std::vector<UserId> out;
  for (const auto& r : tx.exec_params(kTakeQueued, limit)) out.push_back(r["user_id"].as<UserId>());
  return out;
}

Backlog generation_backlog(pqxx::work& tx) { return backlog_of(tx.exec1(kGenerationBacklog)); }

long long insert_model(pqxx::work& tx, long long outcomes, int format, const std::string& bytes, const Json& metrics) {
  const auto escaped = tx.esc_raw(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return tx.exec_params1(kInsertModel, outcomes, format, escaped, metrics.dump())["version"].as<long long>();
}

int prune_models(pqxx::work& tx, int keep) {
  return static_cast<int>(tx.exec_params0(kPruneModels, keep).affected_rows());
}

std::unordered_set<std::string> banned_users(pqxx::work& tx) {
  std::unordered_set<std::string> out;
  for (const auto& r : tx.exec(kBannedUsers)) out.insert(r["user_id"].as<std::string>());
  return out;
}

int delete_models_older_than(pqxx::work& tx, int days) {
  return static_cast<int>(tx.exec_params0(kDeleteOldModels, days).affected_rows());
}

std::vector<long long> model_versions(pqxx::work& tx) {
  std::vector<long long> out;
  for (const auto& r : tx.exec(kModelVersions)) out.push_back(r["version"].as<long long>());
  return out;
}

std::optional<StoredModel> model(pqxx::work& tx, long long version) {
  auto rows = tx.exec_params(kModel, version);
  if (rows.empty()) return std::nullopt;
  const pqxx::binarystring bytes(rows[0]["model"]);
  return StoredModel{.version = rows[0]["version"].as<long long>(), .bytes = bytes.str()};
}

std::vector<std::string> users_with_vectors(pqxx::work& tx, const std::string& after_user, int limit) {
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params(kUsersWithVectors, after_user, limit))
    out.push_back(r["user_id"].as<std::string>());
  return out;
}

int count_users_with_vectors(pqxx::work& tx) { return tx.exec1(kCountUsersWithVectors)["users"].as<int>(); }

std::vector<std::string> users_needing_vectors(pqxx::work& tx, const std::string& bank_key) {
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params(kUsersNeedingVectors, bank_key)) out.push_back(r["user_id"].as<std::string>());
  return out;
}

std::optional<std::string> run_position(pqxx::work& tx, const std::string& run_id) {
  auto rows = tx.exec_params(kRunPosition, run_id);
  if (rows.empty()) return std::nullopt;
  return rows[0]["last_user_id"].as<std::string>();
}

void save_run_position(pqxx::work& tx, const std::string& run_id, const std::string& last_user, int done,
                       bool finished) {
  tx.exec_params(kSaveRunPosition, run_id, last_user, done, finished);
}

}  // namespace pm::matching::repository

namespace pm::matching {

Json personal_data(pqxx::work& tx, const UserId& user_id) {
  return db::export_entries(tx, repository::kExportQueries, user_id);
}

std::vector<std::pair<MatchId, UserId>> before_account_deletion(pqxx::work& tx, const UserId& user_id) {
  std::vector<std::pair<MatchId, UserId>> matches;
  for (const auto& row : tx.exec_params(repository::kLockMatchesOf, user_id))
    matches.emplace_back(MatchId(row["match_id"].as<std::string>()), UserId(row["partner"].as<std::string>()));
  return matches;
}

}  // namespace pm::matching
