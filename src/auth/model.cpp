#include "auth/model.hpp"

#include <algorithm>

#include "auth/sessions.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "core/validation.hpp"
#include "core/vocabulary.hpp"
#include "mail/templates.hpp"

namespace pm::auth {

std::string normalize_email(std::string_view email) { return ascii_lower(ascii_trim(email)); }

bool plausible_email(std::string_view e) {
  if (e.size() < 3 || e.size() > 254) return false;
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || e.find('@', at + 1) != std::string_view::npos) return false;
  auto domain = e.substr(at + 1);
  auto dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.' || domain.find("..") != std::string_view::npos)
    return false;
  for (unsigned char c : e)
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '(' || c == ')' || c == ',' || c == ';' ||
        c == '\\')
      return false;
  return true;
}

namespace {

std::optional<std::string> email_field(Fields& f) {
  auto raw = f.text("email", true, 254);
  if (!raw) return std::nullopt;
  auto e = normalize_email(*raw);
  if (!plausible_email(e)) {
    f.fail("email", "is not a valid email address");
    return std::nullopt;
  }
  return e;
}

// Passwords are taken as sent (not trimmed): spaces may be part of them.
std::optional<std::string> password_field(Fields& f, std::string_view key) {
  if (!f.has(key) || !f.raw(key).is_string()) {
    f.fail(key, "is required and must be a string");
    return std::nullopt;
  }
  return f.raw(key).get<std::string>();
}

}  // namespace

namespace {

// What every new account must say about its person (a dating service is for adults), whether it
// signs up with a password or through a provider.
std::optional<ProfileBasics> basics_fields(Fields& f) {
  auto birth = f.text("birth_date", true, 10);
  auto gender = f.text("gender", true, 50);
  auto seeking = f.text("seeking_gender", true, 50);
  std::optional<std::chrono::year_month_day> date;
  if (birth) {
    date = parse_date(*birth);
    if (!date)
      f.fail("birth_date", "must be a date as YYYY-MM-DD");
    else if (age_today(*date) < kMinimumAge)
      f.fail("birth_date", "you must be 18 or older to join");
    else if (age_today(*date) > 120)
      f.fail("birth_date", "is not a plausible birth date");
  }
  if (gender && !one_of(kGenders, *gender)) f.fail("gender", "must be one of woman, man, non_binary");
  if (seeking && !one_of(kSeeking, *seeking))
    f.fail("seeking_gender", "must be one of woman, man, non_binary, everyone");
  if (!date || !gender || !seeking) return std::nullopt;
  return ProfileBasics{.birth_date = *date, .gender = *gender, .seeking_gender = *seeking};
}

}  // namespace

Result<ProfileBasics> ProfileBasics::parse(const Json& fields) {
  Fields f(fields);
  f.allow_only({"birth_date", "gender", "seeking_gender"});
  auto basics = basics_fields(f);
  if (!f.ok()) return std::unexpected(f.problem());
  return *basics;
}

Result<SignupInput> SignupInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"email", "password", "first_name", "last_name", "birth_date", "gender", "seeking_gender", "language"});
  SignupInput in;
  auto email = email_field(f);
  auto password = password_field(f, "password");
  auto first = f.text("first_name", true, kMaxNameLength);
  auto last = f.text("last_name", false, kMaxNameLength);
  auto basics = basics_fields(f);
  auto language = mail::language_field(f);
  if (!f.ok()) return std::unexpected(f.problem());
  if (language) in.language = *language;
  in.email = *email;
  in.password = *password;
  in.first_name = *first;
  if (last && !last->empty()) in.last_name = *last;
  in.birth_date = basics->birth_date;
  in.gender = basics->gender;
  in.seeking_gender = basics->seeking_gender;
  return in;
}

Result<LoginInput> LoginInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"email", "password", "device"});
  auto email = f.text("email", true, 254);
  auto password = password_field(f, "password");
  auto device = f.text("device", false, 200);  // any text: one that is not genuine is only not known
  if (!f.ok()) return std::unexpected(f.problem());
  return LoginInput{normalize_email(*email), *password, device};
}

Result<ResetConfirmInput> ResetConfirmInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"token", "password"});
  auto token = f.text("token", true, 200);
  auto password = password_field(f, "password");
  if (!f.ok()) return std::unexpected(f.problem());
  return ResetConfirmInput{*token, *password};
}

Result<PasswordChangeInput> PasswordChangeInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"current_password", "new_password"});
  auto current = password_field(f, "current_password");
  auto next = password_field(f, "new_password");
  if (!f.ok()) return std::unexpected(f.problem());
  return PasswordChangeInput{*current, *next};
}

Result<PasswordConfirmInput> PasswordConfirmInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"password"});
  auto password = password_field(f, "password");
  if (!f.ok()) return std::unexpected(f.problem());
  return PasswordConfirmInput{*password};
}

Result<EmailChangeInput> EmailChangeInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"email", "password"});
  auto email = email_field(f);
  auto password = password_field(f, "password");
  if (!f.ok()) return std::unexpected(f.problem());
  return EmailChangeInput{*email, *password};
}

Json AccountView::to_json() const {
  return {{"user_id", user_id},
          {"email", email},
          {"email_verified", email_verified},
          {"first_name", first_name},
          {"auth_provider", auth_provider}};
}

Json DeviceSession::to_json() const {
  return {{"session_id", session_id},
          {"created_at", created_at},
          {"last_seen", last_seen},
          {"user_agent", user_agent},
          {"current", current}};
}

DeviceSessions DeviceSessions::of(std::vector<SessionRecord> records, const std::string& current) {
  DeviceSessions out;
  auto at = [](long long unix_seconds) { return iso8601(Clock::time_point(std::chrono::seconds(unix_seconds))); };
  for (auto& r : records)
    out.sessions.push_back({.session_id = r.session_id,
                            .created_at = at(r.created_at),
                            .last_seen = at(r.last_seen),
                            .user_agent = std::move(r.user_agent),
                            .current = !current.empty() && r.session_id == current});
  return out;
}

Json DeviceSessions::to_json() const {
  Json list = Json::array();
  for (const auto& s : sessions) list.push_back(s.to_json());
  return {{"sessions", list}};
}

}  // namespace pm::auth
