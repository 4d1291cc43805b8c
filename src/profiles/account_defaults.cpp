#include "profiles/account_defaults.hpp"

#include "profiles/repository.hpp"

namespace pm::profiles {

void create_default_preferences(pqxx::work& tx, const UserId& user_id, const std::string& language) {
  repository::insert_default_preferences(tx, user_id, language);
}

}  // namespace pm::profiles
