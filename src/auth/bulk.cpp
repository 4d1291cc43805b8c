#include "auth/bulk.hpp"

#include "auth/repository.hpp"

namespace pm::auth::bulk {

void insert_account(pqxx::work& tx, const NewAccount& account, const AccountCreated& created) {
  repository::insert_user(tx, account);
  created(tx, account.user_id, account.language);
}

bool email_index_taken(pqxx::work& tx, const std::string& email_index) {
  return repository::email_index_taken(tx, email_index);
}

}  // namespace pm::auth::bulk
