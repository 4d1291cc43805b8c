#pragma once
// The Profile Management Service: the own profile, preferences, other users' profiles as their
// visibility allows, blocks and reports, and the user's rights over their data (export, deletion).

#include <functional>
#include <string>
#include <vector>

#include "auth/sessions.hpp"
#include "cache/rate_limit.hpp"
#include "core/crypto.hpp"
#include "core/field_cipher.hpp"
#include "db/pool.hpp"
#include "profiles/model.hpp"
#include "profiles/photos.hpp"

namespace pm::profiles {

// Per user, on actions that are cheap to flood and harm others (cache::enforce; 429 beyond).
struct Limits {
  cache::Limit blocks, reports, exports, location_changes;
};

struct Deps {
  db::Pool& db;
  cache::RedisPool& redis;
  Limits limits;
  const crypto::FieldCipher& cipher;
  auth::SessionStore& sessions;
  // Removes stored media objects by key (the photo store); called after the rows are gone.
  Photos& photos;
  // Told after a block is stored (blocker, blocked), so other services drop what they cached
  // about the pair (e.g. the match lists); app/ wires it.
  std::function<void(const std::string&, const std::string&)> on_block = {};
};

class Service {
 public:
  explicit Service(Deps deps) : d_(std::move(deps)) {}

  Result<Profile> me(const std::string& user_id);
  Result<Profile> update_me(const std::string& user_id, const ProfilePatch& patch);
  // 404 unless `viewer` may see the user (visibility, blocks); no difference between "hidden" and "absent".
  Result<PublicProfile> user(const std::string& viewer, const std::string& user_id);

  Result<Preferences> preferences(const std::string& user_id);
  Result<Preferences> update_preferences(const std::string& user_id, const PreferencesPatch& patch);

  Result<void> block(const std::string& user_id, const std::string& other);
  Result<void> unblock(const std::string& user_id, const std::string& other);
  Result<std::string> report(const std::string& user_id, const std::string& other, const ReportInput& report);

  Result<Json> export_data(const std::string& user_id);
  Result<void> delete_account(const std::string& user_id, const std::string& ip);

 private:
  Result<Profile> decrypt(Profile stored) const;
  Result<void> limit(const std::string& what, const std::string& user_id, cache::Limit limit);
  Deps d_;
};

using crypto::canonical_uuid;
using crypto::is_uuid;

}  // namespace pm::profiles
