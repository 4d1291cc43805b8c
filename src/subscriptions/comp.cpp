#include "subscriptions/comp.hpp"

#include "subscriptions/repository.hpp"

namespace pm::subscriptions {

Result<Subscription> grant_comp(pqxx::work& tx, const UserId& user_id, const std::string& plan_id, int days) {
  if (!repository::plan_exists(tx, plan_id)) {
    Problem p("validation-failed", "there is no such plan");
    p.extensions["errors"] =
        Json::array({Json{{"field", "plan_id"}, {"message", "is not a plan of GET /api/v1/plans"}}});
    return std::unexpected(p);
  }
  if (!repository::set_comp(tx, user_id, plan_id, days))
    return std::unexpected(Problem("not-found", "there is no such user"));
  return *repository::subscription_of(tx, user_id);
}

}  // namespace pm::subscriptions
