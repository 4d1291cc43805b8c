#include "flags/repository.hpp"

#include "db/row.hpp"

namespace pm::flags::repository {

namespace {

constexpr const char* kColumns = R"sql(
  flag_key, description, enabled, config::text AS config, rollout_percentage,
  array_to_json(allow_list)::text AS allow_list, array_to_json(plans)::text AS plans,
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
  updated_by::text AS updated_by
)sql";
const std::string kAll = std::string("SELECT ") + kColumns + " FROM feature_flags ORDER BY flag_key";
const std::string kFind = std::string("SELECT ") + kColumns + " FROM feature_flags WHERE flag_key = $1";
const std::string kFindForUpdate = kFind + " FOR UPDATE";

// allow_list and plans arrive as JSON arrays of strings ($5, $6), config as a JSON object ($3).
constexpr const char* kUpsert = R"sql(
  INSERT INTO feature_flags AS f (flag_key, enabled, config, rollout_percentage, allow_list, plans, description,
                                  updated_at, updated_by)
  VALUES ($1, $2, $3::jsonb, $4,
          ARRAY(SELECT jsonb_array_elements_text($5::jsonb))::uuid[],
          ARRAY(SELECT jsonb_array_elements_text($6::jsonb))::text[],
          $7, now(), NULLIF($8, '')::uuid)
  ON CONFLICT (flag_key) DO UPDATE SET
    enabled = EXCLUDED.enabled, config = EXCLUDED.config, rollout_percentage = EXCLUDED.rollout_percentage,
    allow_list = EXCLUDED.allow_list, plans = EXCLUDED.plans, description = EXCLUDED.description,
    updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
)sql";

Flag read(const pqxx::row& r) {
  Flag f;
  f.key = r["flag_key"].as<std::string>();
  f.description = r["description"].as<std::string>();
  f.enabled = r["enabled"].as<bool>();
  f.config = Json::parse(r["config"].as<std::string>());
  f.percentage = r["rollout_percentage"].as<int>();
  for (const auto& id : Json::parse(r["allow_list"].as<std::string>())) f.allow_list.push_back(id.get<std::string>());
  for (const auto& p : Json::parse(r["plans"].as<std::string>())) f.plans.push_back(p.get<std::string>());
  f.updated_at = r["updated_at"].as<std::string>();
  f.updated_by = db::opt<std::string>(r, "updated_by");
  return f;
}

}  // namespace

std::vector<Flag> all(pqxx::work& tx) {
  std::vector<Flag> out;
  for (const auto& r : tx.exec(kAll)) out.push_back(read(r));
  return out;
}

std::optional<Flag> find(pqxx::work& tx, const std::string& key, bool lock) {
  auto rows = tx.exec_params(lock ? kFindForUpdate : kFind, key);
  if (rows.empty()) return std::nullopt;
  return read(rows[0]);
}

Flag upsert(pqxx::work& tx, const std::string& key, const FlagInput& in, const UserId& by) {
  tx.exec_params(kUpsert, key, in.enabled, in.config.dump(), in.percentage, Json(in.allow_list).dump(),
                 Json(in.plans).dump(), in.description, by);
  return *find(tx, key);
}

bool remove(pqxx::work& tx, const std::string& key) {
  return !tx.exec_params("DELETE FROM feature_flags WHERE flag_key = $1 RETURNING flag_key", key).empty();
}

}  // namespace pm::flags::repository
