#include "auth/repository.hpp"

#include <limits>

#include "auth/personal_data.hpp"
#include "db/row.hpp"
#include "db/sql.hpp"

namespace pm::auth::repository {

namespace {

// A new account (its preferences and free plan are their modules' rows: auth::AccountCreated).
constexpr const char* kInsertUser = R"sql(
  INSERT INTO users (user_id, email, email_index, password_hash, auth_provider, first_name, last_name,
                     birth_date, gender, seeking_gender, email_verified_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9, $10, CASE WHEN $11 THEN now() END)
)sql";

// Suspensions and bans (auth/restrictions.hpp)
constexpr const char* kStandingOf = R"sql(
  SELECT CASE WHEN suspended_until > now()
              THEN to_char(suspended_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END AS suspended_until,
         banned_at IS NOT NULL AS banned, credentials_version
  FROM users WHERE user_id = $1
)sql";
constexpr const char* kBumpCredentialsVersion = R"sql(
  UPDATE users SET credentials_version = credentials_version + 1 WHERE user_id = $1 RETURNING credentials_version
)sql";
constexpr const char* kEmailBanned = R"sql(SELECT 1 FROM banned_emails WHERE email_index = $1)sql";
// Earlier days' rows go a few at a time, skipping any another use holds (no two uses wait on
// each other over them); each use adds at most one row, so they never pile up. The day is the
// statement's, not the transaction's start: one begun before midnight must not make yesterday's
// row again after a use of today deleted it.
constexpr const char* kCountAddressUse = R"sql(
  WITH earlier AS (
    DELETE FROM address_notices WHERE (email_index, day) IN (
      SELECT email_index, day FROM address_notices WHERE day < (clock_timestamp() AT TIME ZONE 'UTC')::date
      LIMIT 100 FOR UPDATE SKIP LOCKED))
  INSERT INTO address_notices (email_index, day) VALUES ($1, (clock_timestamp() AT TIME ZONE 'UTC')::date)
  ON CONFLICT (email_index, day) DO UPDATE SET uses = address_notices.uses + 1
  RETURNING uses
)sql";
constexpr const char* kSuspend = R"sql(
  UPDATE users SET suspended_until = greatest(coalesce(suspended_until, now()), now() + make_interval(days => $2))
  WHERE user_id = $1
  RETURNING to_char(suspended_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS until
)sql";
constexpr const char* kBan = R"sql(
  UPDATE users SET banned_at = coalesce(banned_at, now()) WHERE user_id = $1 RETURNING email_index
)sql";
constexpr const char* kBanEmail = R"sql(
  INSERT INTO banned_emails (email_index) VALUES ($1) ON CONFLICT (email_index) DO NOTHING
)sql";

constexpr const char* kAccountByEmailIndex = R"sql(SELECT user_id FROM users WHERE email_index = $1)sql";
constexpr const char* kAccountsByEmailIndex = R"sql(
  SELECT email_index, user_id FROM users WHERE email_index = ANY($1::text[])
)sql";

// CredentialRow
constexpr const char* kCredentialByEmailIndex = R"sql(
  SELECT user_id, email, password_hash, email_verified_at, first_name, auth_provider, credentials_version,
         (SELECT p.language FROM mail_languages p WHERE p.user_id = users.user_id) AS language
  FROM users WHERE email_index = $1
)sql";
constexpr const char* kCredentialById = R"sql(
  SELECT user_id, email, password_hash, email_verified_at, first_name, auth_provider, credentials_version,
         (SELECT p.language FROM mail_languages p WHERE p.user_id = users.user_id) AS language
  FROM users WHERE user_id = $1
)sql";

CredentialRow credential(const pqxx::row& row) {
  return {.user_id = row["user_id"].as<UserId>(),
          .email_encrypted = row["email"].as<std::string>(),
          .password_hash = db::opt<std::string>(row, "password_hash"),
          .email_verified = !row["email_verified_at"].is_null(),
          .first_name = db::opt<std::string>(row, "first_name").value_or(""),
          .auth_provider = db::opt<std::string>(row, "auth_provider").value_or(""),
          .language = db::opt<std::string>(row, "language").value_or("en"),
          .credentials_version = row["credentials_version"].as<long long>()};
}

constexpr const char* kSetPassword = R"sql(
  UPDATE users SET password_hash = $2, password_changed_at = now() WHERE user_id = $1
)sql";
constexpr const char* kRehashPassword = R"sql(
  UPDATE users SET password_hash = $3 WHERE user_id = $1 AND password_hash = $2
)sql";
constexpr const char* kMarkEmailVerified = R"sql(
  UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE user_id = $1
)sql";
constexpr const char* kSetVerifiedEmail = R"sql(
  UPDATE users SET email = $2, email_index = $3, email_verified_at = now() WHERE user_id = $1
)sql";
constexpr const char* kDropPassword = R"sql(
  UPDATE users SET password_hash = NULL, password_changed_at = now() WHERE user_id = $1
)sql";
constexpr const char* kTouchLastActive = R"sql(UPDATE users SET last_active = now() WHERE user_id = $1)sql";
constexpr const char* kSetAuthProvider = R"sql(UPDATE users SET auth_provider = $2 WHERE user_id = $1)sql";

constexpr const char* kInsertToken = R"sql(
  INSERT INTO auth_tokens (token_hash, user_id, purpose, expires_at)
  VALUES ($1, $2, $3, now() + $4 * interval '1 second')
)sql";
constexpr const char* kConsumeToken = R"sql(
  UPDATE auth_tokens SET used_at = now()
  WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
  RETURNING user_id
)sql";
constexpr const char* kInsertEmailChangeToken = R"sql(
  INSERT INTO auth_tokens (token_hash, user_id, purpose, expires_at, new_email, new_email_index)
  VALUES ($1, $2, 'change_email', now() + $3 * interval '1 second', $4, $5)
)sql";
// EmailToken: a verification link, or the confirmation of a new address (both arrive by mail).
constexpr const char* kConsumeEmailToken = R"sql(
  UPDATE auth_tokens SET used_at = now()
  WHERE token_hash = $1 AND purpose IN ('verify_email', 'change_email') AND used_at IS NULL AND expires_at > now()
  RETURNING user_id, purpose, new_email, new_email_index
)sql";
constexpr const char* kRetireTokens = R"sql(
  UPDATE auth_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL
)sql";

// EncryptedFields; $1 is a LIKE pattern of the values written with the active key.
constexpr const char* kStaleEncryptedFields = R"sql(
  SELECT user_id, email, last_name FROM users
  WHERE email NOT LIKE $1 OR (last_name IS NOT NULL AND last_name NOT LIKE $1)
  ORDER BY user_id LIMIT $2 FOR UPDATE
)sql";
constexpr const char* kSetEncryptedFields = R"sql(
  UPDATE users SET email = $2, last_name = $3 WHERE user_id = $1
)sql";

constexpr const char* kFindIdentity = R"sql(
  SELECT user_id FROM oauth_identities WHERE provider = $1 AND subject = $2
)sql";
constexpr const char* kLinkIdentity = R"sql(
  INSERT INTO oauth_identities (provider, subject, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING
)sql";

// The account for the data export, without its credentials (personal_data.hpp).
constexpr std::pair<const char*, const char*> kExportQueries[] = {
    {"user", R"sql(
  SELECT to_jsonb(t) - 'password_hash' - 'email_index' - 'location_point' AS entry FROM users t WHERE user_id = $1
)sql"},
    // The sign-in providers linked to the account: which, the person's id there, and since when.
    {"linked_providers", R"sql(
  SELECT jsonb_build_object('provider', provider, 'subject', subject, 'linked_at', created_at) AS entry
  FROM oauth_identities WHERE user_id = $1 ORDER BY created_at
)sql"},
};
// The seed's ON DELETE CASCADE removes every row that names the user: media, preferences,
// subscription, answers, matches (with their insights, conversations and messages), notifications.
constexpr const char* kDeleteAccount = R"sql(DELETE FROM users WHERE user_id = $1)sql";

}  // namespace

void insert_user(pqxx::work& tx, const NewAccount& row) {
  tx.exec_params(kInsertUser, row.user_id, row.email_encrypted, row.email_index, row.password_hash, row.auth_provider,
                 row.first_name, row.last_name_encrypted, row.birth_date, row.gender, row.seeking_gender,
                 row.email_verified);
}

Standing standing_of(pqxx::work& tx, const UserId& user_id) {
  auto rows = tx.exec_params(kStandingOf, user_id);
  if (rows.empty()) return {};
  return {.suspended_until = db::opt<std::string>(rows[0], "suspended_until"),
          .banned = rows[0]["banned"].as<bool>(),
          .credentials_version = rows[0]["credentials_version"].as<long long>()};
}

long long bump_credentials_version(pqxx::work& tx, const UserId& user_id) {
  auto rows = tx.exec_params(kBumpCredentialsVersion, user_id);
  return rows.empty() ? std::numeric_limits<long long>::max() : rows[0]["credentials_version"].as<long long>();
}

void rehash_password(pqxx::work& tx, const UserId& user_id, const std::string& old_hash, const std::string& hash) {
  tx.exec_params(kRehashPassword, user_id, old_hash, hash);
}

int count_address_use(pqxx::work& tx, const std::string& email_index) {
  return tx.exec_params1(kCountAddressUse, email_index)["uses"].as<int>();
}

bool email_banned(pqxx::work& tx, const std::string& email_index) {
  return !tx.exec_params(kEmailBanned, email_index).empty();
}

std::string suspend(pqxx::work& tx, const UserId& user_id, int days) {
  auto rows = tx.exec_params(kSuspend, user_id, days);
  return rows.empty() ? "" : rows[0]["until"].as<std::string>();
}

void ban(pqxx::work& tx, const UserId& user_id) {
  for (const auto& r : tx.exec_params(kBan, user_id))
    if (auto index = db::opt<std::string>(r, "email_index")) tx.exec_params(kBanEmail, *index);
}

std::optional<UserId> account_by_email_index(pqxx::work& tx, const std::string& email_index) {
  auto rows = tx.exec_params(kAccountByEmailIndex, email_index);
  if (rows.empty()) return std::nullopt;
  return rows[0]["user_id"].as<UserId>();
}

bool email_index_taken(pqxx::work& tx, const std::string& email_index) {
  return account_by_email_index(tx, email_index).has_value();
}

std::map<std::string, std::string> accounts_by_email_index(pqxx::work& tx, const std::vector<std::string>& indexes) {
  std::map<std::string, std::string> out;
  const std::vector<std::optional<std::string>> values(indexes.begin(), indexes.end());
  for (const auto& r : tx.exec_params(kAccountsByEmailIndex, db::text_array(values)))
    out[r["email_index"].as<std::string>()] = r["user_id"].as<std::string>();
  return out;
}

std::optional<CredentialRow> find_by_email_index(pqxx::work& tx, const std::string& email_index) {
  auto r = tx.exec_params(kCredentialByEmailIndex, email_index);
  if (r.empty()) return std::nullopt;
  return credential(r[0]);
}

std::optional<CredentialRow> find_by_id(pqxx::work& tx, const UserId& user_id) {
  auto r = tx.exec_params(kCredentialById, user_id);
  if (r.empty()) return std::nullopt;
  return credential(r[0]);
}

void set_password(pqxx::work& tx, const UserId& user_id, const std::string& hash) {
  tx.exec_params(kSetPassword, user_id, hash);
}

void mark_email_verified(pqxx::work& tx, const UserId& user_id) { tx.exec_params(kMarkEmailVerified, user_id); }

void set_verified_email(pqxx::work& tx, const UserId& user_id, const std::string& email_encrypted,
                        const std::string& email_index) {
  tx.exec_params(kSetVerifiedEmail, user_id, email_encrypted, email_index);
}

void drop_password(pqxx::work& tx, const UserId& user_id) { tx.exec_params(kDropPassword, user_id); }

void insert_token(pqxx::work& tx, const std::string& token_hash, const UserId& user_id, const std::string& purpose,
                  long long ttl_seconds) {
  tx.exec_params(kInsertToken, token_hash, user_id, purpose, ttl_seconds);
}

std::optional<UserId> consume_token(pqxx::work& tx, const std::string& token_hash, const std::string& purpose) {
  auto r = tx.exec_params(kConsumeToken, token_hash, purpose);
  if (r.empty()) return std::nullopt;
  return r[0]["user_id"].as<UserId>();
}

void insert_email_change_token(pqxx::work& tx, const std::string& token_hash, const UserId& user_id,
                               const std::string& new_email_encrypted, const std::string& new_email_index,
                               long long ttl_seconds) {
  tx.exec_params(kInsertEmailChangeToken, token_hash, user_id, ttl_seconds, new_email_encrypted, new_email_index);
}

std::optional<EmailToken> consume_email_token(pqxx::work& tx, const std::string& token_hash) {
  auto r = tx.exec_params(kConsumeEmailToken, token_hash);
  if (r.empty()) return std::nullopt;
  return EmailToken{.user_id = r[0]["user_id"].as<UserId>(),
                    .purpose = r[0]["purpose"].as<std::string>(),
                    .new_email_encrypted = db::opt<std::string>(r[0], "new_email"),
                    .new_email_index = db::opt<std::string>(r[0], "new_email_index")};
}

void retire_tokens(pqxx::work& tx, const UserId& user_id, const std::string& purpose) {
  tx.exec_params(kRetireTokens, user_id, purpose);
}

std::vector<EncryptedFields> stale_encrypted_fields(pqxx::work& tx, const std::string& active_key_id, int limit) {
  const std::string written_with_active_key = "pm1." + active_key_id + ".%";
  std::vector<EncryptedFields> out;
  for (const auto& row : tx.exec_params(kStaleEncryptedFields, written_with_active_key, limit))
    out.push_back({.user_id = row["user_id"].as<UserId>(),
                   .email = row["email"].as<std::string>(),
                   .last_name = db::opt<std::string>(row, "last_name")});
  return out;
}

void set_encrypted_fields(pqxx::work& tx, const EncryptedFields& f) {
  tx.exec_params(kSetEncryptedFields, f.user_id, f.email, f.last_name);
}

std::optional<UserId> find_identity(pqxx::work& tx, const std::string& provider, const std::string& subject) {
  auto r = tx.exec_params(kFindIdentity, provider, subject);
  if (r.empty()) return std::nullopt;
  return r[0]["user_id"].as<UserId>();
}

void link_identity(pqxx::work& tx, const std::string& provider, const std::string& subject, const UserId& user_id) {
  tx.exec_params(kLinkIdentity, provider, subject, user_id);
}

void touch_last_active(pqxx::work& tx, const UserId& user_id) { tx.exec_params(kTouchLastActive, user_id); }

void set_auth_provider(pqxx::work& tx, const UserId& user_id, const std::string& provider) {
  tx.exec_params(kSetAuthProvider, user_id, provider);
}

void delete_account(pqxx::work& tx, const UserId& user_id) { tx.exec_params(kDeleteAccount, user_id); }

}  // namespace pm::auth::repository

namespace pm::auth {

Json personal_data(pqxx::work& tx, const UserId& user_id) {
  return db::export_entries(tx, repository::kExportQueries, user_id);
}

}  // namespace pm::auth
