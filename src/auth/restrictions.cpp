#include "auth/restrictions.hpp"

#include "auth/repository.hpp"

namespace pm::auth {

std::string suspend(pqxx::work& tx, const UserId& user_id, int days) { return repository::suspend(tx, user_id, days); }

void ban(pqxx::work& tx, const UserId& user_id) { repository::ban(tx, user_id); }

}  // namespace pm::auth
