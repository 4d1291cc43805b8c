#include "questionnaire/repository.hpp"

#include <set>

#include "db/row.hpp"
#include "db/sql.hpp"
#include "questionnaire/personal_data.hpp"
#include "subscriptions/entitlements.hpp"

namespace pm::questionnaire::repository {

namespace {

using db::uuid_array;

// Importing a bank: its head (returns its ordinal), then its blocks and questions, upserted.
constexpr const char* kUpsertBank = R"sql(
  INSERT INTO question_banks (bank_key, ordinal, version, title, dimensions)
  VALUES ($1, (SELECT coalesce(max(ordinal), 0) + 1 FROM question_banks), $2, $3, $4::jsonb)
  ON CONFLICT (bank_key) DO UPDATE SET version = EXCLUDED.version, title = EXCLUDED.title,
    dimensions = EXCLUDED.dimensions, imported_at = now()
  RETURNING ordinal
)sql";
// unique_block_order holds after every statement: move this bank's blocks out of the way first,
// below every order any block has (a block the file no longer has stays set aside, and a plain
// -display_order met the one an earlier dropped block in the same place already held).
constexpr const char* kMoveBlocksAside = R"sql(
  UPDATE question_blocks
  SET display_order = -display_order - (SELECT coalesce(max(abs(display_order)), 0) FROM question_blocks)
  WHERE bank_key = $1 AND display_order > 0
)sql";
constexpr const char* kUpsertBlock = R"sql(
  INSERT INTO question_blocks (block_id, title, description, display_order, bank_key, block_key, attribute)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (block_id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description,
    display_order = EXCLUDED.display_order, attribute = EXCLUDED.attribute
)sql";
constexpr const char* kUpsertQuestion = R"sql(
  INSERT INTO questions (question_id, block_id, text, question_type, options, branching_logic, importance_weight,
                         premium_only, question_key, display_order, required, retired_at)
  VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, NULL)
  ON CONFLICT (question_id) DO UPDATE SET block_id = EXCLUDED.block_id, text = EXCLUDED.text,
    question_type = EXCLUDED.question_type, options = EXCLUDED.options, branching_logic = EXCLUDED.branching_logic,
    importance_weight = EXCLUDED.importance_weight, premium_only = EXCLUDED.premium_only,
    display_order = EXCLUDED.display_order, required = EXCLUDED.required, retired_at = NULL
)sql";
// Questions of bank $1 that the file, listing questions $2, no longer has (their blocks too: kLoadBlocks).
constexpr const char* kRetireMissingQuestions = R"sql(
  UPDATE questions q SET retired_at = now() FROM question_blocks b
  WHERE q.block_id = b.block_id AND b.bank_key = $1 AND q.retired_at IS NULL AND NOT (q.question_id = ANY($2::uuid[]))
  RETURNING q.question_id
)sql";

constexpr const char* kBankImportedAt = R"sql(
  SELECT imported_at::text FROM question_banks WHERE bank_key = $1
)sql";

// Bank, read back: its head, its blocks, each block's questions.
constexpr const char* kLoadBankHead = R"sql(
  SELECT version, title, dimensions::text, imported_at::text FROM question_banks WHERE bank_key = $1
)sql";
// A block the file no longer has keeps the negative order kMoveBlocksAside gave it (its questions are
// retired), and is not the bank's any more.
constexpr const char* kLoadBlocks = R"sql(
  SELECT block_id, block_key, title, coalesce(description, '') AS description, coalesce(attribute, '') AS attribute
  FROM question_blocks WHERE bank_key = $1 AND display_order > 0 ORDER BY display_order
)sql";
constexpr const char* kLoadQuestions = R"sql(
  SELECT question_id, question_key, display_order, text, question_type, options::text, branching_logic::text,
         importance_weight, coalesce(premium_only, false) AS premium_only, required
  FROM questions WHERE block_id = $1 AND retired_at IS NULL ORDER BY display_order
)sql";

// One user's questionnaire changes take turns: the answers' row locks alone let two first answers
// (no rows to lock yet) each build the response document without the other's, the later one
// written last. Taken before the answers are read, so they are read after the turn before.
constexpr const char* kTakeTurn = R"sql(
  SELECT pg_advisory_xact_lock(hashtextextended('questionnaire:' || $1::text, 0))
)sql";
// StoredAnswer: the user's answers to the questions of bank $2, locked for the change to come.
constexpr const char* kLoadAnswers = R"sql(
  SELECT a.question_id, a.response_value::text, a.acceptable::text, a.importance_score,
         a.retired_at IS NOT NULL AS retired,
         to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
  FROM answers a JOIN questions q ON q.question_id = a.question_id JOIN question_blocks b ON b.block_id = q.block_id
  WHERE a.user_id = $1 AND b.bank_key = $2 FOR UPDATE OF a
)sql";
// (user, StoredAnswer) of users $1 (an array): their current answers to the current questions of
// bank $2 (only open-ended questions' if $3), what the matching engine scores and insights quote.
constexpr const char* kCurrentAnswers = R"sql(
  SELECT a.user_id, a.question_id, a.response_value::text, a.acceptable::text, a.importance_score
  FROM answers a JOIN questions q ON q.question_id = a.question_id JOIN question_blocks b ON b.block_id = q.block_id
  WHERE a.user_id = ANY($1::uuid[]) AND b.bank_key = $2 AND a.retired_at IS NULL AND q.retired_at IS NULL
    AND (NOT $3 OR q.question_type = 'open_ended')
)sql";
constexpr const char* kCompleted = R"sql(
  SELECT 1 FROM questionnaire_responses WHERE user_id = $1 AND bank_key = $2 AND (doc->>'completedAt') IS NOT NULL
)sql";
constexpr const char* kUpsertAnswer = R"sql(
  INSERT INTO answers (question_id, user_id, response_value, importance_score, acceptable)
  VALUES ($1, $2, $3::jsonb, $4, $5::jsonb)
  ON CONFLICT (user_id, question_id) DO UPDATE SET response_value = EXCLUDED.response_value,
    importance_score = EXCLUDED.importance_score, acceptable = EXCLUDED.acceptable, retired_at = NULL,
    updated_at = now()
)sql";
constexpr const char* kStageAnswers = R"sql(
  CREATE TEMP TABLE staged_answers (question_id uuid, user_id uuid, response_value jsonb, importance_score int,
                                    acceptable jsonb) ON COMMIT DROP
)sql";
constexpr const char* kMoveStagedAnswers = R"sql(
  INSERT INTO answers (question_id, user_id, response_value, importance_score, acceptable)
  SELECT question_id, user_id, response_value, importance_score, acceptable FROM staged_answers
)sql";
constexpr const char* kRetireAnswers = R"sql(
  UPDATE answers SET retired_at = now() WHERE user_id = $1 AND question_id = ANY($2::uuid[]) AND retired_at IS NULL
)sql";
constexpr const char* kRestoreAnswers = R"sql(
  UPDATE answers SET retired_at = NULL WHERE user_id = $1 AND question_id = ANY($2::uuid[]) AND retired_at IS NOT NULL
)sql";
// Every user's answer to question $1, current or retired (a bank import re-checks them).
constexpr const char* kAnswersTo = R"sql(
  SELECT user_id, response_value::text, acceptable::text, importance_score FROM answers WHERE question_id = $1
  FOR UPDATE
)sql";
constexpr const char* kDeleteAnswers = R"sql(
  DELETE FROM answers WHERE question_id = $1 AND user_id = ANY($2::uuid[])
)sql";

// The response document of one user and bank.
constexpr const char* kLoadResponse = R"sql(
  SELECT doc::text FROM questionnaire_responses WHERE user_id = $1 AND bank_key = $2
)sql";
constexpr const char* kSaveResponse = R"sql(
  INSERT INTO questionnaire_responses (user_id, bank_key, doc) VALUES ($1, $2, $3::jsonb)
  ON CONFLICT (user_id, bank_key) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now()
)sql";

constexpr const char* kSecondsSince = R"sql(
  SELECT extract(epoch FROM (now() - $1::timestamptz))::bigint AS seconds
)sql";

// The data export's parts (personal_data.hpp).
constexpr std::pair<const char*, const char*> kExportQueries[] = {
    {"answers", R"sql(SELECT to_jsonb(t) AS entry FROM answers t WHERE user_id = $1)sql"},
    {"questionnaire_responses",
     R"sql(SELECT to_jsonb(t) AS entry FROM questionnaire_responses t WHERE user_id = $1)sql"},
};

}  // namespace

std::optional<std::string> bank_imported_at(pqxx::work& tx, const std::string& bank_key) {
  auto rows = tx.exec_params(kBankImportedAt, bank_key);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::string>();
}

ImportCounts import_bank(pqxx::work& tx, const Bank& bank) {
  Json dims = Json::array();
  for (const auto& d : bank.dimensions)
    dims.push_back({{"key", d.key}, {"group", d.group}, {"label", d.label}, {"description", d.description}});
  const int ordinal =
      tx.exec_params1(kUpsertBank, bank.key, bank.version, bank.title, dims.dump())["ordinal"].as<int>();
  tx.exec_params(kMoveBlocksAside, bank.key);
  ImportCounts counts;
  std::vector<std::string> ids;
  int position = 0;
  for (const auto& b : bank.blocks) {
    tx.exec_params(kUpsertBlock, b.id, b.title, b.description, ordinal * 1000 + ++position, bank.key, b.key,
                   b.attribute);
    ++counts.blocks;
    for (const auto& q : b.questions) {
      tx.exec_params(kUpsertQuestion, q.id, b.id, q.text, std::string(to_string(q.type)),
                     question_options_json(q).dump(),
                     q.branching.is_null() ? std::optional<std::string>() : std::optional(q.branching.dump()),
                     q.importance_weight, q.premium_only, q.key, q.display_order, q.required);
      ids.push_back(q.id);
      ++counts.questions;
    }
  }
  counts.retired = static_cast<int>(tx.exec_params(kRetireMissingQuestions, bank.key, uuid_array(ids)).size());
  return counts;
}

std::optional<Bank> load_bank(pqxx::work& tx, const std::string& bank_key) {
  auto head = tx.exec_params(kLoadBankHead, bank_key);
  if (head.empty()) return std::nullopt;
  const auto& h = head[0];
  Bank bank{.key = bank_key,
            .version = h["version"].as<std::string>(),
            .title = h["title"].as<std::string>(),
            .imported_at = h["imported_at"].as<std::string>()};
  for (const auto& d : Json::parse(h["dimensions"].as<std::string>()))
    bank.dimensions.push_back({d["key"], d["group"], d["label"], d.value("description", "")});
  for (const auto& row : tx.exec_params(kLoadBlocks, bank_key))
    bank.blocks.push_back({.id = row["block_id"].as<std::string>(),
                           .key = row["block_key"].as<std::string>(),
                           .title = row["title"].as<std::string>(),
                           .description = row["description"].as<std::string>(),
                           .attribute = row["attribute"].as<std::string>()});
  for (auto& b : bank.blocks) {
    for (const auto& row : tx.exec_params(kLoadQuestions, b.id))
      b.questions.push_back(question_from_stored(
          row["question_id"].as<std::string>(), row["question_key"].as<std::string>(), b.key,
          row["display_order"].as<int>(), row["text"].as<std::string>(), row["question_type"].as<std::string>(),
          db::json_or(row, "options", Json::object()), db::json_or(row, "branching_logic", Json()),
          row["importance_weight"].as<int>(), row["premium_only"].as<bool>(), row["required"].as<bool>()));
  }
  return bank;
}

bool is_premium(pqxx::work& tx, const UserId& user_id) {
  return subscriptions::entitlements_of(tx, user_id).premium_questions;
}

std::map<std::string, StoredAnswer> load_answers(pqxx::work& tx, const UserId& user_id, const std::string& bank_key,
                                                 bool take_turn) {
  if (take_turn) tx.exec_params(kTakeTurn, user_id);
  std::map<std::string, StoredAnswer> out;
  for (const auto& row : tx.exec_params(kLoadAnswers, user_id, bank_key)) {
    const auto question_id = row["question_id"].as<std::string>();
    out[question_id] = {.question_id = question_id,
                        .value = Json::parse(row["response_value"].as<std::string>()),
                        .acceptable = Json::parse(row["acceptable"].as<std::string>()),
                        .importance = row["importance_score"].as<int>(),
                        .retired = row["retired"].as<bool>(),
                        .answered_at = row["updated_at"].as<std::string>()};
  }
  return out;
}

std::map<std::string, std::vector<StoredAnswer>> current_answers(pqxx::work& tx,
                                                                 const std::vector<std::string>& user_ids,
                                                                 const std::string& bank_key, bool open_ended_only) {
  std::map<std::string, std::vector<StoredAnswer>> out;
  for (const auto& row : tx.exec_params(kCurrentAnswers, uuid_array(user_ids), bank_key, open_ended_only))
    out[row["user_id"].as<std::string>()].push_back({.question_id = row["question_id"].as<std::string>(),
                                                     .value = Json::parse(row["response_value"].as<std::string>()),
                                                     .acceptable = Json::parse(row["acceptable"].as<std::string>()),
                                                     .importance = row["importance_score"].as<int>()});
  return out;
}

bool completed(pqxx::work& tx, const std::string& user_id, const std::string& bank_key) {
  return !tx.exec_params(kCompleted, user_id, bank_key).empty();
}

void upsert_answer(pqxx::work& tx, const UserId& user_id, const std::string& question_id, const Json& value,
                   const Json& acceptable, int importance) {
  tx.exec_params(kUpsertAnswer, question_id, user_id, value.dump(), importance, acceptable.dump());
}

void copy_answers(pqxx::work& tx, const std::vector<NewAnswer>& answers) {
  if (answers.empty()) return;
  // COPY cannot write a table under row-level security: into a staging table, then one INSERT.
  tx.exec(kStageAnswers);
  pqxx::stream_to rows(
      tx, "staged_answers",
      std::vector<std::string>{"question_id", "user_id", "response_value", "importance_score", "acceptable"});
  for (const auto& a : answers)
    rows << std::make_tuple(a.question_id, a.user_id, a.value.dump(), a.importance, a.acceptable.dump());
  rows.complete();
  tx.exec(kMoveStagedAnswers);
}

void set_retired(pqxx::work& tx, const UserId& user_id, const std::vector<std::string>& question_ids, bool retired) {
  if (question_ids.empty()) return;
  tx.exec_params(retired ? kRetireAnswers : kRestoreAnswers, user_id, uuid_array(question_ids));
}

std::vector<std::pair<UserId, StoredAnswer>> answers_to(pqxx::work& tx, const std::string& question_id) {
  std::vector<std::pair<UserId, StoredAnswer>> out;
  for (const auto& row : tx.exec_params(kAnswersTo, question_id))
    out.emplace_back(row["user_id"].as<UserId>(),
                     StoredAnswer{.question_id = question_id,
                                  .value = Json::parse(row["response_value"].as<std::string>()),
                                  .acceptable = Json::parse(row["acceptable"].as<std::string>()),
                                  .importance = row["importance_score"].as<int>()});
  return out;
}

void delete_answers(pqxx::work& tx, const std::string& question_id, const std::vector<std::string>& user_ids) {
  if (!user_ids.empty()) tx.exec_params(kDeleteAnswers, question_id, uuid_array(user_ids));
}

Json load_response(pqxx::work& tx, const UserId& user_id, const std::string& bank_key) {
  auto r = tx.exec_params(kLoadResponse, user_id, bank_key);
  return r.empty() ? Json::object() : Json::parse(r[0]["doc"].as<std::string>());
}

void save_response(pqxx::work& tx, const UserId& user_id, const std::string& bank_key, const Json& doc) {
  tx.exec_params(kSaveResponse, user_id, bank_key, doc.dump());
}

long long seconds_since(pqxx::work& tx, const std::string& iso8601) {
  return tx.exec_params1(kSecondsSince, iso8601)["seconds"].as<long long>();
}

}  // namespace pm::questionnaire::repository

namespace pm::questionnaire {

Json personal_data(pqxx::work& tx, const UserId& user_id) {
  return db::export_entries(tx, repository::kExportQueries, user_id);
}

}  // namespace pm::questionnaire
