#include "subscriptions/repository.hpp"

namespace pm::subscriptions::repository {

bool has_paid_plan(pqxx::work& tx, const std::string& user_id) {
  return !tx.exec_params(
                "SELECT 1 FROM subscription_details WHERE user_id = $1 AND plan_type <> 'free' "
                "AND (end_date IS NULL OR end_date > now())",
                user_id)
              .empty();
}

}  // namespace pm::subscriptions::repository
