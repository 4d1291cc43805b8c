#pragma once
// All of Profile Management's SQL. Functions take the caller's transaction. Encrypted columns
// come and go as stored; the service encrypts and decrypts.

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/id.hpp"
#include "core/json.hpp"
#include "profiles/model.hpp"

namespace pm::profiles::repository {

struct ProfileRow {
  Profile profile;  // email and last_name still encrypted
  Json privacy_settings;
};

std::optional<ProfileRow> load(pqxx::work& tx, const UserId& user_id);
// Applies the set fields of a patch (last_name already encrypted) and recomputes profile_completed.
// Returns whether anything others see changed (a field set to what it was is not a change).
bool update(pqxx::work& tx, const UserId& user_id, const ProfilePatch& patch);

// The other user as `viewer` may see them; nullopt when they may not (or do not exist).
std::optional<PublicProfile> load_public(pqxx::work& tx, const UserId& viewer, const UserId& user_id);

// `for_update`: locked until the transaction ends (a change reads, merges and writes the whole row;
// unlocked, of two changes at once the second would write back what the first had changed).
std::optional<Preferences> load_preferences(pqxx::work& tx, const UserId& user_id, bool for_update = false);
void save_preferences(pqxx::work& tx, const UserId& user_id, const Preferences& prefs);

bool user_exists(pqxx::work& tx, const UserId& user_id);
// `name`: the blocked person's first name as the blocker could see it then (none when they could not).
void block(pqxx::work& tx, const UserId& blocker, const UserId& blocked, const std::optional<std::string>& name);
void unblock(pqxx::work& tx, const UserId& blocker, const UserId& blocked);
// The people `blocker` blocked, newest first, at most `limit`.
std::vector<BlockedPerson> blocked_by(pqxx::work& tx, const UserId& blocker, int limit);
// `reported`: none when the id names no account (deleted, or never was): filed all the same.
std::string insert_report(pqxx::work& tx, const UserId& reporter, const std::optional<UserId>& reported,
                          const ReportInput& report);

// Photos (profile_media): url holds the display image's key, thumbnail_url the thumbnail's.
struct MediaRow {
  std::string media_id, user_id, display_key, thumb_key;
  int width = 0, height = 0;
  int display_order = 0;
  std::string uploaded_at;
};
// Takes the user's row lock: changes to one user's photos happen one after another, and an
// account's deletion waits for them. False when the account is gone.
bool lock_user(pqxx::work& tx, const UserId& user_id);
int count_media(pqxx::work& tx, const UserId& user_id);
// Inserts at the end of the user's order; returns the stored row.
MediaRow insert_media(pqxx::work& tx, const MediaRow& row);
std::vector<MediaRow> list_media(pqxx::work& tx, const UserId& user_id);
void reorder_media(pqxx::work& tx, const UserId& user_id, const std::vector<std::string>& media_ids);
// Deletes one of the user's photos; returns its object keys (empty: no such photo of theirs).
std::vector<std::string> delete_media(pqxx::work& tx, const UserId& user_id, const std::string& media_id);

// This module's rows about the user, table by table, for the data export.
Json export_rows(pqxx::work& tx, const UserId& user_id);
// The storage keys of the user's photos (to delete the objects with the account).
std::vector<std::string> media_keys(pqxx::work& tx, const UserId& user_id);

// A new account's preferences row with the documented defaults.
void insert_default_preferences(pqxx::work& tx, const UserId& user_id, const std::string& language);

}  // namespace pm::profiles::repository
