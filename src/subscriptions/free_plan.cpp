#include "subscriptions/free_plan.hpp"

#include "subscriptions/repository.hpp"

namespace pm::subscriptions {

void start_free_plan(pqxx::work& tx, const UserId& user_id) { repository::insert_free_subscription(tx, user_id); }

}  // namespace pm::subscriptions
