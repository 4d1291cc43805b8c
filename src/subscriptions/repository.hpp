#pragma once
// All of the Subscription Service's SQL. Functions take the caller's transaction.

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "subscriptions/model.hpp"

namespace pm::subscriptions::repository {

// Every plan with its entitlements and prices, in display order.
std::vector<Plan> plans(pqxx::work& tx);

// The user's subscription_details row with what it entitles to now: the plan's entitlements when
// it is in force (a paid plan, "active", not ended), else the free plan's. nullopt for no row.
std::optional<Subscription> subscription_of(pqxx::work& tx, const std::string& user_id);

// The free plan's entitlements (the defaults of Entitlements if the row is missing).
Entitlements free_entitlements(pqxx::work& tx);

// The plans whose entitlement `key` is true or no limit (null), in display order: what unlocks it.
std::vector<std::string> plans_unlocking(pqxx::work& tx, const std::string& key);

// Whether a plan with this id exists.
bool plan_exists(pqxx::work& tx, const std::string& plan_id);
// The plan given without payment for `days` (free: no end, nothing to pay). False: no such user.
bool set_comp(pqxx::work& tx, const std::string& user_id, const std::string& plan_id, int days);

}  // namespace pm::subscriptions::repository
