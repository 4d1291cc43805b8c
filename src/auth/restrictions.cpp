#include "auth/restrictions.hpp"

#include "auth/repository.hpp"

namespace pm::auth {

std::string suspend(pqxx::work& tx, const UserId& user_id, int days) { return repository::suspend(tx, user_id, days); }

void ban(pqxx::work& tx, const UserId& user_id) { repository::ban(tx, user_id); }

std::optional<UserId> account_by_email_index(pqxx::work& tx, const std::string& email_index) {
  return repository::account_by_email_index(tx, email_index);
}

}  // namespace pm::auth
