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

std::map<std::string, std::string> accounts_by_email_index(pqxx::work& tx, const std::vector<std::string>& indexes) {
  return repository::accounts_by_email_index(tx, indexes);
}

}  // namespace pm::auth::bulk
