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

}  // namespace

void make_premium(pqxx::work& tx, const std::string& user_id) { tx.exec_params(kMakePremium, user_id); }

std::string insert_active_match(pqxx::work& tx, const std::string& user_a, const std::string& user_b, double score) {
  const bool ordered = user_a < user_b;
  return tx.exec_params1(kInsertActiveMatch, ordered ? user_a : user_b, ordered ? user_b : user_a, score)["match_id"]
      .as<std::string>();
}

}  // namespace pm::demo::repository
