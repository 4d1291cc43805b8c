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
#include "profiles/personal_data.hpp"
#include "profiles/photos.hpp"

namespace pm::profiles {

// Per user, on actions that are cheap to flood and harm others (cache::enforce; 429 beyond).
struct Limits {
  cache::Limit blocks, reports, exports, location_changes, profile_edits, profile_views;
};

struct Deps {
  db::Pool& db;
  cache::RedisPool& redis;
  Limits limits;
  const crypto::FieldCipher& cipher;
  auth::SessionStore& sessions;
  // Removes stored media objects by key (the photo store); called after the rows are gone.
  Photos& photos;
  // Told after what others are shown of the user changed (name, birth date, place, the privacy
  // settings), so other services drop what they cached of it (the match previews); app/ wires it,
  // and gives Photos the same.
  std::function<void(const UserId&)> on_shown_changed = {};
  // Told after a block is stored (blocker, blocked), so other services drop what they cached
  // about the pair (e.g. the match lists); app/ wires it.
  std::function<void(const UserId&, const UserId&)> on_block = {};
  // Told after an unblock is stored (the two): the pair's cached lists must show them again.
  std::function<void(const UserId&, const UserId&)> on_unblock = {};
  // The parts of a person's data kept by the modules above this one (personal_data.hpp): their
  // export's parts.
  std::vector<PersonalDataOf> personal_data = {};
  // Run in this order: the order in which the other writers lock those rows (app/ knows it).
  std::vector<BeforeAccountDeletion> before_account_deletion = {};
};

// The one answer for a user id that is malformed, absent or hidden from the caller (no difference).
Problem no_such_user();

class Service {
 public:
  explicit Service(Deps deps) : d_(std::move(deps)) {}

  Result<Profile> me(const UserId& user_id);
  Result<Profile> update_me(const UserId& user_id, const ProfilePatch& patch);
  // 404 unless `viewer` may see the user (visibility, blocks); no difference between "hidden" and "absent".
  Result<PublicProfile> user(const UserId& viewer, const UserId& user_id);

  Result<Preferences> preferences(const UserId& user_id);
  Result<Preferences> update_preferences(const UserId& user_id, const PreferencesPatch& patch);

  Result<void> block(const UserId& user_id, const UserId& other);
  Result<void> unblock(const UserId& user_id, const UserId& other);
  // Whom the user blocked, newest first (at most kMaxBlocksListed), to unblock from.
  Result<BlockedPeople> blocked_by(const UserId& user_id);
  static constexpr int kMaxBlocksListed = 1000;
  Result<std::string> report(const UserId& user_id, const UserId& other, const ReportInput& report);

  Result<Json> export_data(const UserId& user_id);
  Result<void> delete_account(const UserId& user_id, const std::string& ip);

 private:
  Result<Profile> decrypt(Profile stored) const;
  Result<void> limit(const std::string& what, const UserId& user_id, cache::Limit limit);
  Deps d_;
};

}  // namespace pm::profiles
