#include "questionnaire/repository.hpp"

#include <set>

#include "db/sql.hpp"
#include "subscriptions/entitlements.hpp"

namespace pm::questionnaire::repository {

namespace {
constexpr const char* kIso = db::kIsoFormat;
using db::uuid_array;
}  // namespace

ImportCounts import_bank(pqxx::work& tx, const Bank& bank) {
  Json dims = Json::array();
  for (const auto& d : bank.dimensions)
    dims.push_back({{"key", d.key}, {"group", d.group}, {"label", d.label}, {"description", d.description}});
  auto ordinal = tx.exec_params1(
                       "INSERT INTO question_banks (bank_key, ordinal, version, title, dimensions) "
                       "VALUES ($1, (SELECT coalesce(max(ordinal), 0) + 1 FROM question_banks), $2, $3, $4::jsonb) "
                       "ON CONFLICT (bank_key) DO UPDATE SET version = EXCLUDED.version, title = EXCLUDED.title, "
                       "  dimensions = EXCLUDED.dimensions, imported_at = now() RETURNING ordinal",
                       bank.key, bank.version, bank.title, dims.dump())[0]
                     .as<int>();
  // unique_block_order holds after every statement: move this bank's blocks out of the way first.
  tx.exec_params("UPDATE question_blocks SET display_order = -display_order WHERE bank_key = $1 AND display_order > 0",
                 bank.key);
  ImportCounts counts;
  std::vector<std::string> ids;
  int position = 0;
  for (const auto& b : bank.blocks) {
    tx.exec_params(
        "INSERT INTO question_blocks (block_id, title, description, display_order, bank_key, block_key, attribute) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (block_id) DO UPDATE SET title = EXCLUDED.title, "
        "  description = EXCLUDED.description, display_order = EXCLUDED.display_order, attribute = EXCLUDED.attribute",
        b.id, b.title, b.description, ordinal * 1000 + ++position, bank.key, b.key, b.attribute);
    ++counts.blocks;
    for (const auto& q : b.questions) {
      tx.exec_params(
          "INSERT INTO questions (question_id, block_id, text, question_type, options, branching_logic, "
          "importance_weight, "
          "  premium_only, question_key, display_order, required, retired_at) "
          "VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, NULL) "
          "ON CONFLICT (question_id) DO UPDATE SET block_id = EXCLUDED.block_id, text = EXCLUDED.text, "
          "  question_type = EXCLUDED.question_type, options = EXCLUDED.options, branching_logic = "
          "EXCLUDED.branching_logic, "
          "  importance_weight = EXCLUDED.importance_weight, premium_only = EXCLUDED.premium_only, "
          "  display_order = EXCLUDED.display_order, required = EXCLUDED.required, retired_at = NULL",
          q.id, b.id, q.text, std::string(to_string(q.type)), question_options_json(q).dump(),
          q.branching.is_null() ? std::optional<std::string>() : std::optional(q.branching.dump()), q.importance_weight,
          q.premium_only, q.key, q.display_order, q.required);
      ids.push_back(q.id);
      ++counts.questions;
    }
  }
  // Questions (and blocks) of this bank that the file no longer has.
  pqxx::result retired = tx.exec_params(
      "UPDATE questions q SET retired_at = now() FROM question_blocks b WHERE q.block_id = b.block_id AND b.bank_key = "
      "$1 "
      "AND q.retired_at IS NULL AND NOT (q.question_id = ANY($2::uuid[])) RETURNING q.question_id",
      bank.key, uuid_array(ids));
  counts.retired = static_cast<int>(retired.size());
  return counts;
}

std::optional<Bank> load_bank(pqxx::work& tx, const std::string& bank_key) {
  auto head =
      tx.exec_params("SELECT version, title, dimensions::text FROM question_banks WHERE bank_key = $1", bank_key);
  if (head.empty()) return std::nullopt;
  Bank bank{.key = bank_key, .version = head[0][0].as<std::string>(), .title = head[0][1].as<std::string>()};
  for (const auto& d : Json::parse(head[0][2].as<std::string>()))
    bank.dimensions.push_back({d["key"], d["group"], d["label"], d.value("description", "")});
  for (const auto& r : tx.exec_params(
           "SELECT block_id, block_key, title, coalesce(description, ''), coalesce(attribute, '') FROM question_blocks "
           "WHERE bank_key = $1 ORDER BY display_order",
           bank_key))
    bank.blocks.push_back({.id = r[0].as<std::string>(),
                           .key = r[1].as<std::string>(),
                           .title = r[2].as<std::string>(),
                           .description = r[3].as<std::string>(),
                           .attribute = r[4].as<std::string>()});
  for (auto& b : bank.blocks) {
    for (const auto& r : tx.exec_params("SELECT question_id, question_key, display_order, text, question_type, "
                                        "options::text, branching_logic::text, "
                                        "  importance_weight, coalesce(premium_only, false), required FROM questions "
                                        "WHERE block_id = $1 AND retired_at IS NULL ORDER BY display_order",
                                        b.id))
      b.questions.push_back(question_from_stored(r[0].as<std::string>(), r[1].as<std::string>(), b.key, r[2].as<int>(),
                                                 r[3].as<std::string>(), r[4].as<std::string>(),
                                                 r[5].is_null() ? Json::object() : Json::parse(r[5].as<std::string>()),
                                                 r[6].is_null() ? Json() : Json::parse(r[6].as<std::string>()),
                                                 r[7].as<int>(), r[8].as<bool>(), r[9].as<bool>()));
  }
  return bank;
}

bool is_premium(pqxx::work& tx, const std::string& user_id) { return subscriptions::has_premium(tx, user_id); }

std::map<std::string, StoredAnswer> load_answers(pqxx::work& tx, const std::string& user_id,
                                                 const std::string& bank_key) {
  std::map<std::string, StoredAnswer> out;
  for (const auto& r : tx.exec_params(
           std::string("SELECT a.question_id, a.response_value::text, a.acceptable::text, a.importance_score, "
                       "  a.retired_at IS NOT NULL, to_char(a.updated_at AT TIME ZONE 'UTC', ") +
               kIso +
               ") "
               "FROM answers a JOIN questions q ON q.question_id = a.question_id JOIN question_blocks b ON b.block_id "
               "= q.block_id "
               "WHERE a.user_id = $1 AND b.bank_key = $2 FOR UPDATE OF a",
           user_id, bank_key))
    out[r[0].as<std::string>()] = {r[0].as<std::string>(),
                                   Json::parse(r[1].as<std::string>()),
                                   Json::parse(r[2].as<std::string>()),
                                   r[3].as<int>(),
                                   r[4].as<bool>(),
                                   r[5].as<std::string>()};
  return out;
}

void upsert_answer(pqxx::work& tx, const std::string& user_id, const std::string& question_id, const Json& value,
                   const Json& acceptable, int importance) {
  tx.exec_params(
      "INSERT INTO answers (question_id, user_id, response_value, importance_score, acceptable) "
      "VALUES ($1, $2, $3::jsonb, $4, $5::jsonb) ON CONFLICT (user_id, question_id) DO UPDATE SET "
      "  response_value = EXCLUDED.response_value, importance_score = EXCLUDED.importance_score, "
      "  acceptable = EXCLUDED.acceptable, retired_at = NULL, updated_at = now()",
      question_id, user_id, value.dump(), importance, acceptable.dump());
}

void set_retired(pqxx::work& tx, const std::string& user_id, const std::vector<std::string>& question_ids,
                 bool retired) {
  if (question_ids.empty()) return;
  if (retired)
    tx.exec_params(
        "UPDATE answers SET retired_at = now() WHERE user_id = $1 AND question_id = ANY($2::uuid[]) AND retired_at IS "
        "NULL",
        user_id, uuid_array(question_ids));
  else
    tx.exec_params(
        "UPDATE answers SET retired_at = NULL WHERE user_id = $1 AND question_id = ANY($2::uuid[]) AND retired_at IS "
        "NOT NULL",
        user_id, uuid_array(question_ids));
}

Json load_response(pqxx::work& tx, const std::string& user_id, const std::string& bank_key) {
  auto r = tx.exec_params("SELECT doc::text FROM questionnaire_responses WHERE user_id = $1 AND bank_key = $2", user_id,
                          bank_key);
  return r.empty() ? Json::object() : Json::parse(r[0][0].as<std::string>());
}

void save_response(pqxx::work& tx, const std::string& user_id, const std::string& bank_key, const Json& doc) {
  tx.exec_params(
      "INSERT INTO questionnaire_responses (user_id, bank_key, doc) VALUES ($1, $2, $3::jsonb) "
      "ON CONFLICT (user_id, bank_key) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now()",
      user_id, bank_key, doc.dump());
}

long long seconds_since(pqxx::work& tx, const std::string& iso8601) {
  return tx.exec_params1("SELECT extract(epoch FROM (now() - $1::timestamptz))::bigint", iso8601)[0].as<long long>();
}

}  // namespace pm::questionnaire::repository
