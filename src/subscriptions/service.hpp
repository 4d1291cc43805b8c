#pragma once
// The Subscription Service: the plans on offer and a user's subscription with what it entitles
// to now. What gates a feature is entitlements.hpp, which other services call inside their own
// transactions.

#include <string>

#include "core/problem.hpp"
#include "db/pool.hpp"
#include "subscriptions/model.hpp"

namespace pm::subscriptions {

class Service {
 public:
  explicit Service(db::Pool& db) : db_(db) {}

  // Every plan, its entitlements and prices (public: no user's data).
  Result<PlanList> plans();
  // The user's subscription; a user without a row (none is made without one) is on the free plan.
  Result<Subscription> subscription(const UserId& user_id);

 private:
  db::Pool& db_;
};

}  // namespace pm::subscriptions
