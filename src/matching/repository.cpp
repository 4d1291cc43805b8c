#include "matching/repository.hpp"

#include "db/sql.hpp"

namespace pm::matching::repository {

namespace {

using db::kIsoFormat;
using db::uuid_array;

std::vector<float> floats(const pqxx::field& f) {
  std::vector<float> out;
  if (f.is_null()) return out;
  for (const auto& x : Json::parse(f.as<std::string>()))
    if (x.is_number()) out.push_back(x.get<float>());
  return out;
}

// The columns UserRow is read from, in order (u: users, p: user_preferences, v: user_vectors).
const std::string kUserColumns =
    std::string(
        "u.user_id, u.gender, u.seeking_gender, date_part('year', age(u.birth_date))::int, coalesce(p.min_age, 18), "
        "coalesce(p.max_age, 99), coalesce(p.max_distance, 0), ST_Y(u.location_point::geometry), "
        "ST_X(u.location_point::geometry), "
        "u.profile_visibility, coalesce(u.profile_completed, false), (v.doc->'profileVector'->'vector')::text, "
        "(v.doc->'textEmbedding'->'vector')::text, coalesce(u.first_name, ''), "
        "to_char(greatest(u.updated_at, p.updated_at, v.updated_at) AT TIME ZONE 'UTC', ") +
    kIsoFormat +
    "), "
    "coalesce(u.gender, ''), coalesce(u.location, '') ";

UserRow user_from(const pqxx::row& r) {
  UserRow u;
  u.user_id = r[0].as<std::string>();
  if (!r[14].is_null()) u.changed_at = r[14].as<std::string>();
  u.facts.gender = gender_bit(r[1].is_null() ? "" : r[1].as<std::string>());
  u.facts.seeking = seeking_mask(r[2].is_null() ? "" : r[2].as<std::string>());
  u.facts.age = static_cast<std::int16_t>(r[3].is_null() ? 0 : r[3].as<int>());
  u.facts.min_age = static_cast<std::int16_t>(r[4].as<int>());
  u.facts.max_age = static_cast<std::int16_t>(r[5].as<int>());
  u.facts.max_distance_km = r[6].as<int>();
  u.facts.located = !r[7].is_null();
  if (u.facts.located) {
    u.facts.lat = r[7].as<float>();
    u.facts.lon = r[8].as<float>();
  }
  u.facts.hidden = !r[9].is_null() && r[9].as<std::string>() == "hidden";
  u.facts.complete = r[10].as<bool>() && !r[3].is_null();
  u.traits = floats(r[11]);
  u.text = floats(r[12]);
  u.first_name = r[13].as<std::string>();
  u.gender = r[15].as<std::string>();
  u.location = r[16].as<std::string>();
  return u;
}

MatchRow match_from(const pqxx::row& r) {
  return {.match_id = r[0].as<std::string>(),
          .user_id_1 = r[1].as<std::string>(),
          .user_id_2 = r[2].as<std::string>(),
          .status = match_status_from(r[3].as<std::string>()).value(),  // the table's CHECK names the statuses
          .created_at = r[4].as<std::string>(),
          .score = r[5].as<double>(),
          .liked_1 = r[6].as<bool>(),
          .liked_2 = r[7].as<bool>(),
          .users = Json::parse(r[8].as<std::string>()),
          .summary = r[9].is_null() ? "" : r[9].as<std::string>()};
}

// A match with both users' preview facts: name, age, location label, first photo's thumbnail key.
const std::string kMatchSelect =
    std::string("SELECT m.match_id, m.user_id_1, m.user_id_2, m.status, to_char(m.created_at AT TIME ZONE 'UTC', ") +
    kIsoFormat +
    "), "
    "  m.compatibility_score, coalesce(m.user_1_liked, false), coalesce(m.user_2_liked, false), "
    "  (SELECT jsonb_agg(jsonb_build_object('user_id', u.user_id, 'first_name', u.first_name, "
    "      'age', date_part('year', age(u.birth_date))::int, 'location', u.location, "
    "      'photo_key', (SELECT pm.thumbnail_url FROM profile_media pm WHERE pm.user_id = u.user_id ORDER BY "
    "pm.display_order LIMIT 1)) "
    "    ORDER BY u.user_id) FROM users u WHERE u.user_id IN (m.user_id_1, m.user_id_2))::text, "
    "  d.doc->'insights'->>'summary' "
    "FROM matches m LEFT JOIN compatibility_insight_documents d ON d.match_id = m.match_id ";

const char* kNotBlocked =
    " NOT EXISTS (SELECT 1 FROM user_blocks b WHERE (b.blocker_id = m.user_id_1 AND b.blocked_id = m.user_id_2) "
    "   OR (b.blocker_id = m.user_id_2 AND b.blocked_id = m.user_id_1)) ";

}  // namespace

std::vector<UserRow> changed_users(pqxx::work& tx, const std::string& since, std::string& newest) {
  std::vector<UserRow> out;
  auto rows = tx.exec_params("SELECT " + kUserColumns +
                                 "FROM users u JOIN user_preferences p ON p.user_id = u.user_id "
                                 "JOIN user_vectors v ON v.user_id = u.user_id "
                                 "WHERE $1::text = '' OR greatest(u.updated_at, p.updated_at, v.updated_at) >= "
                                 "$1::timestamptz - interval '5 seconds' "
                                 "ORDER BY u.user_id",
                             since);
  for (const auto& r : rows) {
    out.push_back(user_from(r));
    if (out.back().changed_at > newest) newest = out.back().changed_at;
  }
  return out;
}

std::optional<UserRow> user_row(pqxx::work& tx, const std::string& user_id) {
  auto rows = tx.exec_params("SELECT " + kUserColumns +
                                 "FROM users u JOIN user_preferences p ON p.user_id = u.user_id "
                                 "LEFT JOIN user_vectors v ON v.user_id = u.user_id WHERE u.user_id = $1",
                             user_id);
  if (rows.empty()) return std::nullopt;
  return user_from(rows[0]);
}

std::map<std::string, std::vector<AnswerValue>> answers_of(pqxx::work& tx, const std::vector<std::string>& user_ids,
                                                           const std::string& bank_key, bool open_only) {
  std::map<std::string, std::vector<AnswerValue>> out;
  for (const auto& r : tx.exec_params(
           "SELECT a.user_id, a.question_id, a.response_value::text, a.acceptable::text, a.importance_score "
           "FROM answers a JOIN questions q ON q.question_id = a.question_id JOIN question_blocks b ON b.block_id = "
           "q.block_id "
           "WHERE a.user_id = ANY($1::uuid[]) AND b.bank_key = $2 AND a.retired_at IS NULL AND q.retired_at IS NULL "
           "AND (NOT $3 OR q.question_type = 'open_ended')",
           uuid_array(user_ids), bank_key, open_only))
    out[r[0].as<std::string>()].push_back({r[1].as<std::string>(), Json::parse(r[2].as<std::string>()),
                                           Json::parse(r[3].as<std::string>()), r[4].as<int>()});
  return out;
}

std::map<std::string, std::string> first_names(pqxx::work& tx, const std::vector<std::string>& user_ids) {
  std::map<std::string, std::string> out;
  for (const auto& r : tx.exec_params(
           "SELECT user_id, coalesce(first_name, '') FROM users WHERE user_id = ANY($1::uuid[])", uuid_array(user_ids)))
    out[r[0].as<std::string>()] = r[1].as<std::string>();
  return out;
}

std::string bio_of(pqxx::work& tx, const std::string& user_id) {
  auto r = tx.exec_params("SELECT coalesce(bio, '') FROM users WHERE user_id = $1", user_id);
  return r.empty() ? "" : r[0][0].as<std::string>();
}

bool questionnaire_completed(pqxx::work& tx, const std::string& user_id, const std::string& bank_key) {
  return !tx.exec_params(
                "SELECT 1 FROM questionnaire_responses WHERE user_id = $1 AND bank_key = $2 "
                "AND (doc->>'completedAt') IS NOT NULL",
                user_id, bank_key)
              .empty();
}

void save_vectors(pqxx::work& tx, const std::string& user_id, const Json& doc, const std::vector<float>& profile,
                  const Json& metadata) {
  tx.exec_params(
      "INSERT INTO user_vectors (user_id, doc) VALUES ($1, $2::jsonb) "
      "ON CONFLICT (user_id) DO UPDATE SET doc = EXCLUDED.doc || "
      "  jsonb_build_object('createdAt', coalesce(user_vectors.doc->'createdAt', EXCLUDED.doc->'createdAt')), "
      "  updated_at = now()",
      user_id, doc.dump());
  tx.exec_params(
      "INSERT INTO user_embeddings (user_id, embedding_vector, metadata) VALUES ($1, $2::real[], $3::jsonb) "
      "ON CONFLICT (user_id) DO UPDATE SET embedding_vector = EXCLUDED.embedding_vector, metadata = EXCLUDED.metadata, "
      "  created_at = now()",
      user_id, db::number_array(profile), metadata.dump());
}

std::vector<std::string> excluded_for(pqxx::work& tx, const std::string& user_id) {
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params("SELECT blocked_id FROM user_blocks WHERE blocker_id = $1 UNION SELECT "
                                      "blocker_id FROM user_blocks WHERE blocked_id = $1 "
                                      "UNION SELECT user_id_2 FROM matches WHERE user_id_1 = $1 UNION SELECT user_id_1 "
                                      "FROM matches WHERE user_id_2 = $1",
                                      user_id))
    out.push_back(r[0].as<std::string>());
  return out;
}

int pending_count(pqxx::work& tx, const std::string& user_id) {
  return tx
      .exec_params1("SELECT count(*) FROM matches WHERE (user_id_1 = $1 OR user_id_2 = $1) AND status = 'pending'",
                    user_id)[0]
      .as<int>();
}

std::vector<std::string> insert_matches(pqxx::work& tx, const std::vector<NewMatch>& matches) {
  Json input = Json::array();
  for (const auto& m : matches) {
    const bool ordered = m.user_a < m.user_b;
    Json attributes = Json::array();
    for (const auto& [name, score, description] : m.attributes)
      attributes.push_back({{"name", name}, {"score", score}, {"description", description}});
    input.push_back({{"u1", ordered ? m.user_a : m.user_b},
                     {"u2", ordered ? m.user_b : m.user_a},
                     {"score", m.score},
                     {"details", m.score_details},
                     {"attributes", attributes},
                     {"highlights", m.highlights},
                     {"analysis", m.detailed_analysis},
                     {"doc", m.insight_document}});
  }
  // One round trip for every row of every table: data-modifying CTEs over the batch as JSON.
  std::vector<std::string> ids;
  for (const auto& r :
       tx.exec_params("WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(u1 uuid, u2 uuid, score float8, "
                      "details jsonb, "
                      "    attributes jsonb, highlights jsonb, analysis text, doc jsonb)), "
                      "m AS (INSERT INTO matches (user_id_1, user_id_2, compatibility_score, score_details) "
                      "    SELECT i.u1, i.u2, i.score, i.details FROM input i "
                      "    WHERE EXISTS (SELECT 1 FROM users WHERE user_id = i.u1) AND EXISTS (SELECT 1 FROM users "
                      "WHERE user_id = i.u2) "
                      "    ON CONFLICT (user_id_1, user_id_2) DO NOTHING RETURNING match_id, user_id_1, user_id_2), "
                      "j AS (SELECT m.match_id, i.* FROM m JOIN input i ON i.u1 = m.user_id_1 AND i.u2 = m.user_id_2), "
                      "a AS (INSERT INTO match_attributes (match_id, attribute_name, score, description) "
                      "    SELECT j.match_id, x.name, x.score, x.description FROM j, "
                      "    jsonb_to_recordset(j.attributes) AS x(name text, score float8, description text)), "
                      "c AS (INSERT INTO compatibility_insights (match_id, highlights, detailed_analysis, is_premium) "
                      "    SELECT match_id, highlights, analysis, true FROM j), "
                      "d AS (INSERT INTO compatibility_insight_documents (match_id, user_id_1, user_id_2, doc) "
                      "    SELECT match_id, u1, u2, doc || jsonb_build_object('matchId', match_id, 'userId1', u1, "
                      "'userId2', u2) FROM j) "
                      "SELECT match_id FROM j",
                      input.dump()))
    ids.push_back(r[0].as<std::string>());
  return ids;
}

std::vector<MatchRow> list_matches(pqxx::work& tx, const std::string& user_id, const std::vector<MatchStatus>& statuses,
                                   std::optional<std::pair<double, std::string>> after, int limit) {
  Json st = Json::array();
  for (auto s : statuses) st.push_back(to_string(s));
  auto rows = tx.exec_params(
      kMatchSelect +
          "WHERE (m.user_id_1 = $1 OR m.user_id_2 = $1) AND m.status IN (SELECT jsonb_array_elements_text($2::jsonb)) "
          "AND ($3::float8 IS NULL OR (m.compatibility_score, m.match_id) < ($3::float8, $4::uuid)) AND" +
          std::string(kNotBlocked) + "ORDER BY m.compatibility_score DESC, m.match_id DESC LIMIT $5",
      user_id, st.dump(), after ? std::optional<double>(after->first) : std::nullopt,
      after ? std::optional<std::string>(after->second) : std::nullopt, limit);
  std::vector<MatchRow> out;
  for (const auto& r : rows) out.push_back(match_from(r));
  return out;
}

std::optional<MatchRow> match_for(pqxx::work& tx, const std::string& match_id, const std::string& user_id) {
  auto rows = tx.exec_params(
      kMatchSelect + "WHERE m.match_id = $1 AND (m.user_id_1 = $2 OR m.user_id_2 = $2) AND" + kNotBlocked, match_id,
      user_id);
  if (rows.empty()) return std::nullopt;
  return match_from(rows[0]);
}

std::vector<std::tuple<std::string, double, std::string>> attributes_of(pqxx::work& tx, const std::string& match_id) {
  std::vector<std::tuple<std::string, double, std::string>> out;
  for (const auto& r : tx.exec_params("SELECT attribute_name, score, coalesce(description, '') FROM match_attributes "
                                      "WHERE match_id = $1 ORDER BY attribute_id",
                                      match_id))
    out.emplace_back(r[0].as<std::string>(), r[1].as<double>(), r[2].as<std::string>());
  return out;
}

Json insight_document(pqxx::work& tx, const std::string& match_id) {
  auto r = tx.exec_params("SELECT doc::text FROM compatibility_insight_documents WHERE match_id = $1", match_id);
  return r.empty() ? Json::object() : Json::parse(r[0][0].as<std::string>());
}

std::optional<std::pair<MatchRow, bool>> like(pqxx::work& tx, const std::string& match_id, const std::string& user_id) {
  auto updated = tx.exec_params(
      "UPDATE matches SET user_1_liked = user_1_liked OR user_id_1 = $2, user_2_liked = user_2_liked OR user_id_2 = "
      "$2, "
      "  updated_at = now() WHERE match_id = $1 AND (user_id_1 = $2 OR user_id_2 = $2) AND status IN ('pending', "
      "'active') "
      "RETURNING match_id",
      match_id, user_id);
  if (updated.empty()) return std::nullopt;
  auto activated = tx.exec_params(
      "UPDATE matches SET status = 'active' WHERE match_id = $1 AND status = 'pending' AND user_1_liked AND "
      "user_2_liked",
      match_id);
  auto row = match_for(tx, match_id, user_id);
  if (!row) return std::nullopt;
  return std::pair{*row, activated.affected_rows() > 0};
}

std::optional<MatchRow> reject(pqxx::work& tx, const std::string& match_id, const std::string& user_id,
                               MatchStatus from_status) {
  auto updated = tx.exec_params(
      "UPDATE matches SET status = 'rejected', updated_at = now() WHERE match_id = $1 AND (user_id_1 = $2 OR user_id_2 "
      "= $2) "
      "AND status = $3 RETURNING match_id",
      match_id, user_id, std::string(to_string(from_status)));
  if (updated.empty()) return std::nullopt;
  return match_for(tx, match_id, user_id);
}

std::string open_conversation(pqxx::work& tx, const std::string& match_id) {
  tx.exec_params("INSERT INTO conversations (match_id) VALUES ($1) ON CONFLICT (match_id) DO NOTHING", match_id);
  return tx.exec_params1("SELECT conversation_id FROM conversations WHERE match_id = $1", match_id)[0]
      .as<std::string>();
}

std::vector<std::tuple<std::string, std::string, std::string>> expire_pending(pqxx::work& tx, int days) {
  std::vector<std::tuple<std::string, std::string, std::string>> out;
  for (const auto& r :
       tx.exec_params("UPDATE matches SET status = 'expired', updated_at = now() WHERE status = 'pending' "
                      "AND created_at < now() - make_interval(days => $1) RETURNING match_id, user_id_1, user_id_2",
                      days))
    out.emplace_back(r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>());
  return out;
}

void queue_generation(pqxx::work& tx, const std::string& user_id, const std::string& reason) {
  tx.exec_params(
      "INSERT INTO match_generation_queue (user_id, reason) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING", user_id,
      reason);
}

std::vector<std::string> take_queued(pqxx::work& tx, int limit) {
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params("DELETE FROM match_generation_queue WHERE user_id IN (SELECT user_id FROM "
                                      "match_generation_queue ORDER BY queued_at "
                                      "LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING user_id",
                                      limit))
    out.push_back(r[0].as<std::string>());
  return out;
}

std::vector<std::pair<std::string, std::string>> claim_vector_jobs(pqxx::work& tx, int limit) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : tx.exec_params(
           "UPDATE jobs SET status = 'running', attempts = attempts + 1 WHERE job_id IN (SELECT job_id FROM jobs "
           "WHERE kind = 'compute_vectors' AND status = 'pending' AND run_after <= now() ORDER BY run_after LIMIT $1 "
           "FOR UPDATE SKIP LOCKED) RETURNING job_id, payload->>'user_id'",
           limit))
    out.emplace_back(r[0].as<std::string>(), r[1].is_null() ? "" : r[1].as<std::string>());
  return out;
}

void finish_job(pqxx::work& tx, const std::string& job_id, const std::optional<std::string>& error) {
  if (!error)
    tx.exec_params("UPDATE jobs SET status = 'done', finished_at = now(), last_error = NULL WHERE job_id = $1", job_id);
  else
    tx.exec_params(
        "UPDATE jobs SET status = CASE WHEN attempts >= 5 THEN 'failed' ELSE 'pending' END, last_error = $2, "
        "  run_after = now() + make_interval(secs => 30 * attempts) WHERE job_id = $1",
        job_id, *error);
}

std::vector<std::string> users_with_vectors(pqxx::work& tx, const std::string& after_user, int limit) {
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params(
           "SELECT user_id FROM user_vectors WHERE ($1::text = '' OR user_id > $1::uuid) ORDER BY user_id LIMIT $2",
           after_user, limit))
    out.push_back(r[0].as<std::string>());
  return out;
}

int count_users_with_vectors(pqxx::work& tx) { return tx.exec1("SELECT count(*) FROM user_vectors")[0].as<int>(); }

std::vector<std::string> users_needing_vectors(pqxx::work& tx, const std::string& bank_key, int limit) {
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params(
           "SELECT r.user_id FROM questionnaire_responses r LEFT JOIN user_vectors v ON v.user_id = r.user_id "
           "WHERE r.bank_key = $1 AND (r.doc->>'completedAt') IS NOT NULL AND (v.user_id IS NULL OR v.updated_at < "
           "r.updated_at) "
           "ORDER BY r.user_id LIMIT $2",
           bank_key, limit))
    out.push_back(r[0].as<std::string>());
  return out;
}

std::optional<std::string> run_position(pqxx::work& tx, const std::string& run_id) {
  auto r = tx.exec_params(
      "SELECT coalesce(last_user_id::text, '') FROM match_generation_runs WHERE run_id = $1 AND finished_at IS NULL",
      run_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

void save_run_position(pqxx::work& tx, const std::string& run_id, const std::string& last_user, int done,
                       bool finished) {
  tx.exec_params(
      "INSERT INTO match_generation_runs (run_id, last_user_id, users_done, finished_at) "
      "VALUES ($1, nullif($2, '')::uuid, $3, CASE WHEN $4 THEN now() END) "
      "ON CONFLICT (run_id) DO UPDATE SET last_user_id = EXCLUDED.last_user_id, users_done = EXCLUDED.users_done, "
      "  finished_at = EXCLUDED.finished_at",
      run_id, last_user, done, finished);
}

}  // namespace pm::matching::repository
