#pragma once
// Writes that compose into a caller's transaction, for making users in bulk: the demo seeder and
// the load test (src/demo) create thousands of users, with their profiles, answers and matches, in
// one transaction per batch. Everyone else goes through this module's service. These forward to
// the repository, which stays private to the module (tests/architecture/check_layers.sh).

#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "profiles/model.hpp"

namespace pm::profiles::bulk {

// Applies the set fields of a patch (last_name already encrypted) and recomputes profile_completed.
void update_profile(pqxx::work& tx, const UserId& user_id, const ProfilePatch& patch);
std::optional<Preferences> load_preferences(pqxx::work& tx, const UserId& user_id);
void save_preferences(pqxx::work& tx, const UserId& user_id, const Preferences& preferences);

}  // namespace pm::profiles::bulk
