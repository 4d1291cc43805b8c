#pragma once
// A plan given without payment ("comp", payment_method "comp"): staff grant one for a number of
// days, in the caller's transaction (which runs as the system). Giving "free" ends a paid plan: a
// subscription the person pays through the provider is cancelled there (provider_cancellation.hpp)
// and its later events change nothing; a comp is refused while one is live.

#include <string>

#include <pqxx/pqxx>

#include "core/problem.hpp"
#include "subscriptions/model.hpp"

namespace pm::subscriptions {

// 400 validation-failed for a plan that does not exist; 404 for a user without a subscription row;
// 409 paid-subscription-live for a plan other than free while the user pays for one.
Result<Subscription> grant_comp(pqxx::work& tx, const UserId& user_id, const std::string& plan_id, int days);

}  // namespace pm::subscriptions
