#include "subscriptions/service.hpp"

#include "db/transaction.hpp"
#include "subscriptions/repository.hpp"

namespace pm::subscriptions {

Result<PlanList> Service::plans() {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<PlanList> { return PlanList{repository::plans(tx)}; });
}

Result<Subscription> Service::subscription(const UserId& user_id) {
  return db::transact(db_, [&](pqxx::work& tx) -> Result<Subscription> {
    if (auto s = repository::subscription_of(tx, user_id)) return *s;
    return Subscription{
        .plan_id = kFreePlan, .status = "not_required", .entitlements = repository::free_entitlements(tx)};
  });
}

}  // namespace pm::subscriptions
