#include "profiles/bulk.hpp"

#include "profiles/repository.hpp"

namespace pm::profiles::bulk {

void update_profile(pqxx::work& tx, const UserId& user_id, const ProfilePatch& patch) {
  repository::update(tx, user_id, patch);
}

std::optional<Preferences> load_preferences(pqxx::work& tx, const UserId& user_id) {
  return repository::load_preferences(tx, user_id);
}

void save_preferences(pqxx::work& tx, const UserId& user_id, const Preferences& preferences) {
  repository::save_preferences(tx, user_id, preferences);
}

}  // namespace pm::profiles::bulk
