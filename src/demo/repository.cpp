#include "demo/repository.hpp"

namespace pm::demo::repository {

namespace {

constexpr const char* kMakePremium = R"sql(
  UPDATE subscription_details SET plan_type = 'premium', payment_status = 'active', start_date = now(),
    end_date = now() + interval '1 year'
  WHERE user_id = $1
)sql";
// $1 < $2, as matching orders a match's users.
constexpr const char* kInsertActiveMatch = R"sql(
  INSERT INTO matches (user_id_1, user_id_2, compatibility_score, status, user_1_liked, user_2_liked)
  VALUES ($1, $2, $3, 'active', true, true)
  RETURNING match_id
)sql";

constexpr const char* kUsersByEmailIndex = R"sql(
  SELECT email_index, user_id FROM users WHERE email_index = ANY($1::text[])
)sql";
// $1 < $2; $5 and $6 are the liked flags of user_id_1 and user_id_2.
constexpr const char* kInsertHistoryMatch = R"sql(
  INSERT INTO matches (user_id_1, user_id_2, compatibility_score, status, user_1_liked, user_2_liked, created_at,
                       updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $7::timestamptz)
  ON CONFLICT (user_id_1, user_id_2) DO NOTHING
  RETURNING match_id
)sql";
constexpr const char* kInsertHistoryOutcome = R"sql(
  INSERT INTO match_outcomes (decided_by, about_user, kind, match_id, ranking, decided_at)
  VALUES ($1, $2, $3, $4, 'questionnaire-v1', $5::timestamptz)
)sql";

// A text[] literal of ids and blind indexes (no quotes or commas in them: hex, base64url, uuids).
std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& s : items) out += (out.size() > 1 ? "," : "") + s;
  return out + "}";
}

}  // namespace

void make_premium(pqxx::work& tx, const std::string& user_id) { tx.exec_params(kMakePremium, user_id); }

std::string insert_active_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b, double score) {
  const bool ordered = user_a < user_b;
  return tx.exec_params1(kInsertActiveMatch, ordered ? user_a : user_b, ordered ? user_b : user_a, score)["match_id"]
      .as<std::string>();
}

std::map<std::string, std::string> users_by_email_index(pqxx::work& tx, const std::vector<std::string>& indexes) {
  std::map<std::string, std::string> out;
  for (const auto& r : tx.exec_params(kUsersByEmailIndex, array_literal(indexes)))
    out[r["email_index"].as<std::string>()] = r["user_id"].as<std::string>();
  return out;
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

void insert_history_outcome(pqxx::work& tx, const std::string& decided_by, const std::string& about,
                            const std::string& kind, const std::string& match_id, const std::string& decided_at) {
  tx.exec_params(kInsertHistoryOutcome, decided_by, about, kind, match_id, decided_at);
}

}  // namespace pm::demo::repository
