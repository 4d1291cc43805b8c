#include "auth/restrictions.hpp"

#include "auth/repository.hpp"
#include "jobs/queue.hpp"

namespace pm::auth {

namespace {

void queue_session_purge(pqxx::work& tx, const UserId& user_id) {
  jobs::enqueue(tx, kEndSessionsJob, {{"user_id", user_id.str()}});
}

}  // namespace

std::string suspend(pqxx::work& tx, const UserId& user_id, int days) {
  queue_session_purge(tx, user_id);
  return repository::suspend(tx, user_id, days);
}

void ban(pqxx::work& tx, const UserId& user_id) {
  queue_session_purge(tx, user_id);
  repository::ban(tx, user_id);
}

void delete_account(pqxx::work& tx, const UserId& user_id) {
  // The caller ends the sessions once this commits; should Redis refuse then, this purge (every
  // session: no credentials version) ends them in the worker. A session left behind would still
  // authenticate as the deleted id until it expired.
  jobs::enqueue(tx, kEndEarlierSessionsJob, {{"user_id", user_id.str()}});
  repository::delete_account(tx, user_id);
}

std::optional<UserId> account_by_email_index(pqxx::work& tx, const std::string& email_index) {
  return repository::account_by_email_index(tx, email_index);
}

}  // namespace pm::auth
