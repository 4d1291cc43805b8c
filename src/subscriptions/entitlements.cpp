#include "subscriptions/entitlements.hpp"

#include "subscriptions/repository.hpp"

namespace pm::subscriptions {

bool has_premium(pqxx::work& tx, const std::string& user_id) { return repository::has_paid_plan(tx, user_id); }

}  // namespace pm::subscriptions
