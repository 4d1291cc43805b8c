#pragma once
// Authentication's data: request inputs (parsed and checked from JSON) and what it returns.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/id.hpp"
#include "core/json.hpp"
#include "core/problem.hpp"

namespace pm::auth {

// Where encrypted PII sits: the associated data binding each ciphertext to its row and column.
inline std::string email_context(const UserId& user_id) { return "users.email:" + user_id.str(); }
inline std::string last_name_context(const UserId& user_id) { return "users.last_name:" + user_id.str(); }

// Trimmed and lower-cased: "  Ada@Example.COM " and "ada@example.com" are one account.
std::string normalize_email(std::string_view email);
// A syntactically plausible address (one @, a dotted domain, no spaces, at most 254 characters).
bool plausible_email(std::string_view normalized);

// A users row as sign-up writes it (email and last name already encrypted).
struct NewAccount {
  UserId user_id;
  std::string email_encrypted;
  std::string email_index;
  std::optional<std::string> password_hash;
  std::string auth_provider;  // "password", or an OAuth provider's name
  std::string first_name;
  std::optional<std::string> last_name_encrypted;
  std::string birth_date;  // YYYY-MM-DD
  std::string gender;
  std::string seeking_gender;
  bool email_verified = false;
  std::string language = "en";  // of the account's mails and pushes (mail::kLanguages)
};

// Birth date (18 or older), gender and sought gender: what a new account must give besides its
// address, by sign-up form or, for "Sign up with <provider>", on the start of the flow.
struct ProfileBasics {
  std::chrono::year_month_day birth_date;
  std::string gender;
  std::string seeking_gender;

  // {birth_date, gender, seeking_gender}, all required; a 400 "validation-failed" naming each fault.
  static Result<ProfileBasics> parse(const Json& fields);
};

struct SignupInput {
  std::string email;  // normalised
  std::string password;
  std::string first_name;
  std::optional<std::string> last_name;
  std::chrono::year_month_day birth_date;
  std::string gender;
  std::string seeking_gender;
  std::string language = "en";  // of the verification mail and all later ones (mail::kLanguages)

  static Result<SignupInput> parse(const Json& body);
};

struct LoginInput {
  std::string email;
  std::string password;
  std::optional<std::string> device;  // the known-device token of an earlier sign-in here (auth/known_device.hpp)
  static Result<LoginInput> parse(const Json& body);
};

struct ResetConfirmInput {
  std::string token;
  std::string password;
  static Result<ResetConfirmInput> parse(const Json& body);
};

struct PasswordChangeInput {
  std::string current_password;
  std::string new_password;
  static Result<PasswordChangeInput> parse(const Json& body);
};

// The password again, before what a session alone must not do (the data export).
struct PasswordConfirmInput {
  std::string password;
  static Result<PasswordConfirmInput> parse(const Json& body);
};

struct EmailChangeInput {
  std::string email;  // normalised
  std::string password;
  static Result<EmailChangeInput> parse(const Json& body);
};

// Where a request came from, for rate limits, sessions and the audit log.
struct ClientInfo {
  std::string ip;
  std::string user_agent;
};

// The account as sign-up and sign-in return it.
struct AccountView {
  UserId user_id;
  std::string email;
  bool email_verified = false;
  std::string first_name;
  std::string auth_provider;
  Json to_json() const;
};

// The caller's sessions, as their list of devices shows them. No IP address: a glance at the list
// (by whoever holds a session of the account) should not say where its owner is.
struct DeviceSession {
  std::string session_id;  // SHA-256 of its token (Caller::session_id): names it, reveals nothing
  std::string created_at;  // ISO 8601
  std::string last_seen;   // to the minute (a session records its use once a minute)
  std::string user_agent;
  bool current = false;  // the session making the request
  Json to_json() const;
};
struct SessionRecord;  // auth/sessions.hpp
struct DeviceSessions {
  std::vector<DeviceSession> sessions;  // the most recently used first
  Json to_json() const;
  // The session store's records as the devices list shows them: the account page's (`current`
  // names the caller's session) and the data export's.
  static DeviceSessions of(std::vector<SessionRecord> records, const std::string& current = "");
};

struct SignedIn {
  AccountView account;
  std::string token;
  std::optional<std::string> device;  // a password sign-in's known-device token
  Json to_json() const {
    Json out = {{"user", account.to_json()}, {"token", token}};
    if (device) out["device"] = *device;
    return out;
  }
};

}  // namespace pm::auth
