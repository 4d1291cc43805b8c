#include "subscriptions/entitlements.hpp"

#include "jobs/queue.hpp"
#include "subscriptions/repository.hpp"

namespace pm::subscriptions {

Entitlements entitlements_of(pqxx::work& tx, const UserId& user_id) {
  if (auto s = repository::subscription_of(tx, user_id)) return s->entitlements;
  return repository::free_entitlements(tx);
}

void follow_plan_change(pqxx::work& tx, const UserId& user_id, const Entitlements& before) {
  if (entitlements_of(tx, user_id).premium_questions != before.premium_questions) queue_plan_follow(tx, user_id);
}

void queue_plan_follow(pqxx::work& tx, const UserId& user_id) {
  jobs::enqueue(tx, "compute_vectors", {{"user_id", user_id}, {"reason", "plan_changed"}});
}

std::vector<std::string> plans_unlocking(pqxx::work& tx, std::string_view feature) {
  return repository::plans_unlocking(tx, std::string(feature));
}

Problem premium_required(pqxx::work& tx, std::string_view feature, std::string detail) {
  Problem p("premium-required", std::move(detail));
  p.extensions["feature"] = std::string(feature);
  p.extensions["unlocked_by"] = repository::plans_unlocking(tx, std::string(feature));
  p.extensions["plans"] = "/api/v1/plans";
  return p;
}

}  // namespace pm::subscriptions
