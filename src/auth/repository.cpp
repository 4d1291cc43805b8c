#include "auth/repository.hpp"

namespace pm::auth::repository {

namespace {
CredentialRow credential(const pqxx::row& r) {
  return {.user_id = r[0].as<std::string>(),
          .email_encrypted = r[1].as<std::string>(),
          .password_hash = r[2].is_null() ? std::nullopt : std::optional(r[2].as<std::string>()),
          .email_verified = !r[3].is_null(),
          .first_name = r[4].is_null() ? "" : r[4].as<std::string>(),
          .auth_provider = r[5].is_null() ? "" : r[5].as<std::string>()};
}
constexpr const char* kCredentialColumns =
    "user_id, email, password_hash, email_verified_at, first_name, auth_provider";
}  // namespace

void insert_user(pqxx::work& tx, const NewAccount& row) {
  tx.exec_params(
      "INSERT INTO users (user_id, email, email_index, password_hash, auth_provider, first_name, last_name, "
      "birth_date, "
      "gender, seeking_gender, email_verified_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9, $10, CASE WHEN $11 THEN now() END)",
      row.user_id, row.email_encrypted, row.email_index, row.password_hash, row.auth_provider, row.first_name,
      row.last_name_encrypted, row.birth_date, row.gender, row.seeking_gender, row.email_verified);
  // Defaults documented in docs/openapi.yaml (Preferences).
  tx.exec_params(
      "INSERT INTO user_preferences (user_id, notification_settings, privacy_settings, max_distance, min_age, max_age) "
      "VALUES ($1, $2::jsonb, $3::jsonb, 50, 18, 99)",
      row.user_id,
      R"({"new_match": true, "new_message": true, "like_received": true, "subscription": true, "email": true, "push": true})",
      R"({"show_age": true, "show_distance": true, "show_online_status": true, "discoverable": true})");
  tx.exec_params(
      "INSERT INTO subscription_details (user_id, plan_type, start_date, payment_status) VALUES ($1, 'free', now(), "
      "'not_required')",
      row.user_id);
}

bool email_index_taken(pqxx::work& tx, const std::string& email_index) {
  return !tx.exec_params("SELECT 1 FROM users WHERE email_index = $1", email_index).empty();
}

std::optional<CredentialRow> find_by_email_index(pqxx::work& tx, const std::string& email_index) {
  auto r =
      tx.exec_params(std::string("SELECT ") + kCredentialColumns + " FROM users WHERE email_index = $1", email_index);
  if (r.empty()) return std::nullopt;
  return credential(r[0]);
}

std::optional<CredentialRow> find_by_id(pqxx::work& tx, const std::string& user_id) {
  auto r = tx.exec_params(std::string("SELECT ") + kCredentialColumns + " FROM users WHERE user_id = $1", user_id);
  if (r.empty()) return std::nullopt;
  return credential(r[0]);
}

void set_password(pqxx::work& tx, const std::string& user_id, const std::string& hash) {
  tx.exec_params("UPDATE users SET password_hash = $2, password_changed_at = now() WHERE user_id = $1", user_id, hash);
}

void mark_email_verified(pqxx::work& tx, const std::string& user_id) {
  tx.exec_params("UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE user_id = $1", user_id);
}

void set_email(pqxx::work& tx, const std::string& user_id, const std::string& email_encrypted,
               const std::string& email_index) {
  tx.exec_params("UPDATE users SET email = $2, email_index = $3, email_verified_at = NULL WHERE user_id = $1", user_id,
                 email_encrypted, email_index);
}

void insert_token(pqxx::work& tx, const std::string& token_hash, const std::string& user_id, const std::string& purpose,
                  long long ttl_seconds) {
  tx.exec_params(
      "INSERT INTO auth_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 "
      "second')",
      token_hash, user_id, purpose, ttl_seconds);
}

std::optional<std::string> consume_token(pqxx::work& tx, const std::string& token_hash, const std::string& purpose) {
  auto r = tx.exec_params(
      "UPDATE auth_tokens SET used_at = now() WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND "
      "expires_at > now() "
      "RETURNING user_id",
      token_hash, purpose);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

void retire_tokens(pqxx::work& tx, const std::string& user_id, const std::string& purpose) {
  tx.exec_params("UPDATE auth_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
                 user_id, purpose);
}

std::vector<EncryptedFields> stale_encrypted_fields(pqxx::work& tx, const std::string& active_key_id, int limit) {
  const std::string prefix = "pm1." + active_key_id + ".%";
  std::vector<EncryptedFields> out;
  for (const auto& r : tx.exec_params("SELECT user_id, email, last_name FROM users "
                                      "WHERE email NOT LIKE $1 OR (last_name IS NOT NULL AND last_name NOT LIKE $1) "
                                      "ORDER BY user_id LIMIT $2 FOR UPDATE",
                                      prefix, limit))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(),
                   r[2].is_null() ? std::nullopt : std::optional(r[2].as<std::string>())});
  return out;
}

void set_encrypted_fields(pqxx::work& tx, const EncryptedFields& f) {
  tx.exec_params("UPDATE users SET email = $2, last_name = $3 WHERE user_id = $1", f.user_id, f.email, f.last_name);
}

std::optional<std::string> find_identity(pqxx::work& tx, const std::string& provider, const std::string& subject) {
  auto r =
      tx.exec_params("SELECT user_id FROM oauth_identities WHERE provider = $1 AND subject = $2", provider, subject);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

void link_identity(pqxx::work& tx, const std::string& provider, const std::string& subject,
                   const std::string& user_id) {
  tx.exec_params("INSERT INTO oauth_identities (provider, subject, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                 provider, subject, user_id);
}

void touch_last_active(pqxx::work& tx, const std::string& user_id) {
  tx.exec_params("UPDATE users SET last_active = now() WHERE user_id = $1", user_id);
}

void set_auth_provider(pqxx::work& tx, const std::string& user_id, const std::string& provider) {
  tx.exec_params("UPDATE users SET auth_provider = $2 WHERE user_id = $1", user_id, provider);
}

}  // namespace pm::auth::repository
