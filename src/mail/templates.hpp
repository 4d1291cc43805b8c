#pragma once
// Every mail and push message the service sends, worded in one place: account mails (verification,
// reset, address changes, a staff message), notification mails, and notifications as Web Push messages. Each is a
// subject, a plain text and the same as HTML, signed with the app's name and a link back into the app (PM_PUBLIC_URL).
//
// Language: a template takes the user's language (user_preferences.language, one of kLanguages,
// chosen in the settings; English by default). A language without wording falls back to its
// primary subtag ("de-CH" -> "de"), then to English. To translate: a Wording in templates.cpp and
// its code in kLanguages.
// Pure code.

#include <optional>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/validation.hpp"

namespace pm::mail {

inline constexpr std::string_view kDefaultLanguage = "en";
inline constexpr std::string_view kAppName = "Perfect Match";
// The languages every template has (the values PUT /api/v1/me/preferences accepts for `language`).
inline constexpr std::string_view kLanguages[] = {"en", "de"};
bool has_language(std::string_view lang);
// A request's `language` field (sign-up, preferences): nullopt when absent; anything but a
// language of kLanguages fails in `f` ("must be one of en, de").
std::optional<std::string> language_field(Fields& f);

struct Rendered {
  std::string subject;
  std::string text;
  std::string html;
};

// Where the links point: PM_PUBLIC_URL.
struct Links {
  std::string public_url;
};

// These two go to an address nobody has shown to be theirs yet: whoever signs up (or moves an
// account) chooses both the address and the name, so they greet no one by name. Otherwise a
// "first name" such as "there! Your account is locked: https://evil.example" would reach any
// inbox in a mail from our domain, its URL a link (mail clients make links of URLs in text too).
Rendered verify_email(const Links& links, std::string_view lang, const std::string& token, long ttl_hours);
Rendered confirm_new_email(const Links& links, std::string_view lang, const std::string& token);
Rendered reset_password(const Links& links, std::string_view lang, const std::string& first_name,
                        const std::string& token, long ttl_minutes);
Rendered signup_with_taken_address(const Links& links, std::string_view lang, const std::string& first_name);
Rendered new_address_taken(const Links& links, std::string_view lang);
Rendered email_change_requested(const Links& links, std::string_view lang, const std::string& first_name);
// A message from the staff (a warning, a suspension...): their subject and text, in the frame.
Rendered account_message(const Links& links, std::string_view lang, const std::string& first_name,
                         const std::string& subject, const std::string& text);
// A notification (its API JSON: type, content) as a mail; the footer says how to turn the type
// off (the one-click link is the List-Unsubscribe header, mail/sender.hpp).
Rendered notification(const Links& links, std::string_view lang, const std::string& first_name,
                      const Json& notification);

// A notification (its API JSON) as a push message: a title, one short line, and the link into the
// app that a click opens (the match, the chat, the list). A coalesced message.new counts its messages.
struct PushText {
  std::string title;
  std::string body;
  std::string url;
};
PushText push_notification(const Links& links, std::string_view lang, const Json& notification);

// Text as HTML: escaped, paragraphs at blank lines, links made clickable. (Exposed for tests.)
std::string html_of(const std::string& text);

}  // namespace pm::mail
