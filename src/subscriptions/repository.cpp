#include "subscriptions/repository.hpp"

namespace pm::subscriptions::repository {

namespace {

constexpr const char* kHasPaidPlan = R"sql(
  SELECT 1 FROM subscription_details
  WHERE user_id = $1 AND plan_type <> 'free' AND payment_status = 'active' AND (end_date IS NULL OR end_date > now())
)sql";

}  // namespace

bool has_paid_plan(pqxx::work& tx, const std::string& user_id) {
  return !tx.exec_params(kHasPaidPlan, user_id).empty();
}

}  // namespace pm::subscriptions::repository
