#pragma once
// All of Authentication's SQL. Functions take the caller's transaction.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "auth/model.hpp"

namespace pm::auth::repository {

struct CredentialRow {
  UserId user_id;
  std::string email_encrypted;
  std::optional<std::string> password_hash;
  bool email_verified = false;
  std::string first_name;
  std::string auth_provider;
  std::string language = "en";  // of their mails (user_preferences.language, mail/templates.hpp)
  // How many times the credentials changed, read with the password: a session records it
  // (SessionMeta::credentials_version), and the next change ends the sessions with a smaller one.
  long long credentials_version = 0;
};

// What a session's opening is checked against: a suspension in force (its end, ISO 8601) or a
// ban, which refuse sign-in, and the credentials' version (CredentialRow::credentials_version).
struct Standing {
  std::optional<std::string> suspended_until;
  bool banned = false;
  long long credentials_version = 0;
};
Standing standing_of(pqxx::work& tx, const UserId& user_id);
// A credential change: the account's credentials_version goes up by one; returns the new one
// (for an account deleted meanwhile, the largest number: every session of it ends).
long long bump_credentials_version(pqxx::work& tx, const UserId& user_id);
// Someone else used an address that has an account (a sign-up with it, another account's move to
// it): counts the use in the caller's transaction and returns how many the UTC day has had, this
// one included. The first is the day's one mail to the owner, and only the first few go to the
// owner's log: each is someone else's request, and a harasser repeating it must not fill the
// owner's inbox or log. A use waits for another one's transaction on the same address, so of two
// at once the second is the first if the other rolls back.
int count_address_use(pqxx::work& tx, const std::string& email_index);
// Whether the address (its blind index) belongs to a banned account, present or deleted.
bool email_banned(pqxx::work& tx, const std::string& email_index);
// Suspends until now + days, or keeps a later end; returns the end (ISO 8601).
std::string suspend(pqxx::work& tx, const UserId& user_id, int days);
// Bans the account and keeps its address's blind index in banned_emails.
void ban(pqxx::work& tx, const UserId& user_id);

// The user with their default preferences and a free subscription: an account is never half made.
void insert_user(pqxx::work& tx, const NewAccount& row);
bool email_index_taken(pqxx::work& tx, const std::string& email_index);
std::optional<UserId> account_by_email_index(pqxx::work& tx, const std::string& email_index);
std::map<std::string, std::string> accounts_by_email_index(pqxx::work& tx, const std::vector<std::string>& indexes);
std::optional<CredentialRow> find_by_email_index(pqxx::work& tx, const std::string& email_index);
std::optional<CredentialRow> find_by_id(pqxx::work& tx, const UserId& user_id);
void set_password(pqxx::work& tx, const UserId& user_id, const std::string& hash);
// The same password under stronger hashing parameters, only while `old_hash` is still the stored
// one: a reset committed since the sign-in read it keeps its new password.
void rehash_password(pqxx::work& tx, const UserId& user_id, const std::string& old_hash, const std::string& hash);
void touch_last_active(pqxx::work& tx, const UserId& user_id);
// The provider the user last signed in with ("password" or an OAuth provider's name).
void set_auth_provider(pqxx::work& tx, const UserId& user_id, const std::string& provider);
void mark_email_verified(pqxx::work& tx, const UserId& user_id);
// A new address (encrypted, with its blind index), verified by the link that was mailed to it.
void set_verified_email(pqxx::work& tx, const UserId& user_id, const std::string& email_encrypted,
                        const std::string& email_index);
// The account signs in through its provider only from now on.
void drop_password(pqxx::work& tx, const UserId& user_id);

// Single-use tokens (stored as SHA-256).
void insert_token(pqxx::work& tx, const std::string& token_hash, const UserId& user_id, const std::string& purpose,
                  long long ttl_seconds);
// Marks the token used and returns its user, if it exists, is unused, unexpired and of `purpose`.
std::optional<UserId> consume_token(pqxx::work& tx, const std::string& token_hash, const std::string& purpose);
// A requested change of address: the new one (encrypted, with its blind index) waits in the token.
void insert_email_change_token(pqxx::work& tx, const std::string& token_hash, const UserId& user_id,
                               const std::string& new_email_encrypted, const std::string& new_email_index,
                               long long ttl_seconds);
// A link mailed to an address: "verify_email" (sign-up) or "change_email" (with the new address).
struct EmailToken {
  UserId user_id;
  std::string purpose;
  std::optional<std::string> new_email_encrypted, new_email_index;
};
// Marks a mailed token used and returns it, if it exists, is unused and unexpired.
std::optional<EmailToken> consume_email_token(pqxx::work& tx, const std::string& token_hash);
// Retires a user's unused tokens of `purpose` (a new reset link voids the old ones).
void retire_tokens(pqxx::work& tx, const UserId& user_id, const std::string& purpose);

// Key rotation: users with a PII value not written with the key `active_key_id`.
struct EncryptedFields {
  UserId user_id;
  std::string email;
  std::optional<std::string> last_name;
};
std::vector<EncryptedFields> stale_encrypted_fields(pqxx::work& tx, const std::string& active_key_id, int limit);
void set_encrypted_fields(pqxx::work& tx, const EncryptedFields& fields);

// The account's row (ON DELETE CASCADE carries it to every module's rows); auth::delete_account
// (personal_data.hpp) is the whole deletion.
void delete_account(pqxx::work& tx, const UserId& user_id);

// OpenID Connect identities.
std::optional<UserId> find_identity(pqxx::work& tx, const std::string& provider, const std::string& subject);
void link_identity(pqxx::work& tx, const std::string& provider, const std::string& subject, const UserId& user_id);

}  // namespace pm::auth::repository
