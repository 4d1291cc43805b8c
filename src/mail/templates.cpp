#include "mail/templates.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/html.hpp"

namespace pm::mail {

namespace {

// One line of text as HTML: escaped, with http(s) URLs as links.
std::string line_html(std::string_view line) {
  std::string out;
  while (!line.empty()) {
    auto at = std::min(line.find("https://"), line.find("http://"));
    if (at == std::string_view::npos) {
      out += html_escape(line);
      break;
    }
    out += html_escape(line.substr(0, at));
    auto end = line.find_first_of(" \t", at);
    auto url = line.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    out += fmt::format("<a href=\"{0}\">{0}</a>", html_escape(url));
    line.remove_prefix(at + url.size());
  }
  return out;
}

// The frame of every mail: the words, then who sent it and the way back into the app.
Rendered framed(const Links& links, std::string subject, std::string words) {
  std::string text = words + fmt::format("\n-- \n{}\n{}\n", kAppName, links.public_url);
  return {.subject = std::move(subject), .text = text, .html = html_of(text)};
}

// The wording of every template in one language. Format strings take their arguments in the order
// the comment gives; a translation is one more Wording below and its entry in kWordings.
struct Wording {
  std::string_view hello, hello_named;                       // -, first name
  std::string_view verify_subject, verify_body;              // url, token, token, hours
  std::string_view confirm_new_subject, confirm_new_body;    // url, token, token
  std::string_view reset_subject, reset_body;                // url, token, token, minutes
  std::string_view signup_taken_subject, signup_taken_body;  // url
  std::string_view new_address_taken_subject, new_address_taken_body;
  std::string_view change_requested_subject, change_requested_body;
  std::string_view match_subject, match_body;      // url
  std::string_view message_subject, message_body;  // url
  std::string_view like_subject, like_body;        // url
  std::string_view plan_subject, plan_body;        // plan, status, url
  std::string_view other_subject, other_body;      // url
  std::string_view notification_footer;            // url
  std::string_view push_match_title, push_match_body;
  std::string_view push_message_title, push_message_body;
  std::string_view push_messages_title, push_messages_body;  // count
  std::string_view push_like_title, push_like_body;
  std::string_view push_plan_title, push_plan_body;
  std::string_view push_other_body;
};

constexpr Wording kEnglish{
    .hello = "Hello,\n\n",
    .hello_named = "Hello {},\n\n",
    .verify_subject = "Confirm your email for Perfect Match",
    .verify_body =
        "welcome to Perfect Match. Confirm your email address with this link:\n\n"
        "{}/verify-email?token={}\n\nor enter this code in the app:\n\nToken: {}\n\n"
        "The link works once and expires in {} hours.\n",
    .confirm_new_subject = "Confirm your new email for Perfect Match",
    .confirm_new_body =
        "confirm your new email address with this link:\n\n{}/verify-email?token={}\n\n"
        "or enter this code in the app:\n\nToken: {}\n\nYour account keeps its old address "
        "until then.\n",
    .reset_subject = "Reset your Perfect Match password",
    .reset_body =
        "someone (hopefully you) asked to reset your password. Choose a new one here:\n\n"
        "{}/reset-password?token={}\n\nor enter this code in the app:\n\nToken: {}\n\n"
        "The link works once and expires in {} minutes. If you did not ask, ignore this mail.\n",
    .signup_taken_subject = "Someone tried to sign up with your address",
    .signup_taken_body =
        "someone just tried to create a Perfect Match account with this address, which "
        "already has one. If it was you, sign in instead, or reset your password at "
        "{}/reset-password if you forgot it. If not, nothing changed.\n",
    .new_address_taken_subject = "Your address already has a Perfect Match account",
    .new_address_taken_body =
        "someone asked to move a Perfect Match account to this address, which already has an "
        "account of its own. Nothing was changed.\n",
    .change_requested_subject = "A change of your Perfect Match email address was requested",
    .change_requested_body =
        "someone signed in to your account asked to change its email address. It changes only "
        "when the new address confirms it. If this was not you, reset your password now and "
        "contact us.\n",
    .match_subject = "You have a new match on Perfect Match",
    .match_body = "you and someone you liked like each other. Say hello:\n\n{}/matches\n",
    .message_subject = "You have a new message on Perfect Match",
    .message_body = "someone wrote to you. Read and answer it here:\n\n{}/chats\n",
    .like_subject = "Someone likes you on Perfect Match",
    .like_body = "someone liked your profile. See who it might be:\n\n{}/matches\n",
    .plan_subject = "Your Perfect Match plan changed",
    .plan_body = "your plan is now {} ({}). The details:\n\n{}/subscription\n",
    .other_subject = "News from Perfect Match",
    .other_body = "something new is waiting for you:\n\n{}\n",
    .notification_footer =
        "\nYou get this mail because this kind of notification is on. Turn it off in your "
        "settings: {}/account\n",
    .push_match_title = "It's a match!",
    .push_match_body = "You and someone you liked like each other. Say hello.",
    .push_message_title = "New message",
    .push_message_body = "A match wrote to you. Read and answer it.",
    .push_messages_title = "{} new messages",
    .push_messages_body = "{} new messages from a match are waiting for you.",
    .push_like_title = "Someone likes you",
    .push_like_body = "Someone liked your profile. See who it might be.",
    .push_plan_title = "Your plan changed",
    .push_plan_body = "See the details of your plan.",
    .push_other_body = "Something new is waiting for you.",
};

constexpr Wording kGerman{
    .hello = "Hallo,\n\n",
    .hello_named = "Hallo {},\n\n",
    .verify_subject = "Bestätige deine E-Mail-Adresse für Perfect Match",
    .verify_body =
        "willkommen bei Perfect Match. Bestätige deine E-Mail-Adresse mit diesem Link:\n\n"
        "{}/verify-email?token={}\n\noder gib diesen Code in der App ein:\n\nToken: {}\n\n"
        "Der Link funktioniert einmal und läuft in {} Stunden ab.\n",
    .confirm_new_subject = "Bestätige deine neue E-Mail-Adresse für Perfect Match",
    .confirm_new_body =
        "bestätige deine neue E-Mail-Adresse mit diesem Link:\n\n{}/verify-email?token={}\n\n"
        "oder gib diesen Code in der App ein:\n\nToken: {}\n\nBis dahin behält dein Konto seine "
        "alte Adresse.\n",
    .reset_subject = "Setze dein Perfect-Match-Passwort zurück",
    .reset_body =
        "jemand (hoffentlich du) möchte dein Passwort zurücksetzen. Wähle hier ein neues:\n\n"
        "{}/reset-password?token={}\n\noder gib diesen Code in der App ein:\n\nToken: {}\n\n"
        "Der Link funktioniert einmal und läuft in {} Minuten ab. Warst du es nicht, ignoriere diese "
        "E-Mail.\n",
    .signup_taken_subject = "Jemand wollte sich mit deiner Adresse registrieren",
    .signup_taken_body =
        "jemand wollte gerade ein Perfect-Match-Konto mit dieser Adresse anlegen, zu der es schon "
        "eines gibt. Warst du es, melde dich stattdessen an, oder setze unter "
        "{}/reset-password dein Passwort zurück, falls du es vergessen hast. Wenn nicht, hat sich "
        "nichts geändert.\n",
    .new_address_taken_subject = "Zu deiner Adresse gibt es schon ein Perfect-Match-Konto",
    .new_address_taken_body =
        "jemand wollte ein Perfect-Match-Konto auf diese Adresse umziehen, die schon ein "
        "eigenes Konto hat. Es wurde nichts geändert.\n",
    .change_requested_subject = "Eine Änderung deiner Perfect-Match-E-Mail-Adresse wurde angefordert",
    .change_requested_body =
        "jemand, der in deinem Konto angemeldet ist, möchte dessen E-Mail-Adresse ändern. Sie "
        "ändert sich erst, wenn die neue Adresse es bestätigt. Warst du es nicht, setze jetzt "
        "dein Passwort zurück und schreib uns.\n",
    .match_subject = "Du hast ein neues Match auf Perfect Match",
    .match_body = "du und jemand, den du magst, mögt euch gegenseitig. Sag hallo:\n\n{}/matches\n",
    .message_subject = "Du hast eine neue Nachricht auf Perfect Match",
    .message_body = "jemand hat dir geschrieben. Lies und beantworte es hier:\n\n{}/chats\n",
    .like_subject = "Jemand mag dich auf Perfect Match",
    .like_body = "jemand mag dein Profil. Sieh nach, wer es sein könnte:\n\n{}/matches\n",
    .plan_subject = "Dein Perfect-Match-Tarif hat sich geändert",
    .plan_body = "dein Tarif ist jetzt {} ({}). Die Einzelheiten:\n\n{}/subscription\n",
    .other_subject = "Neues von Perfect Match",
    .other_body = "etwas Neues wartet auf dich:\n\n{}\n",
    .notification_footer =
        "\nDu bekommst diese E-Mail, weil diese Art von Benachrichtigung eingeschaltet ist. "
        "Schalte sie in deinen Einstellungen aus: {}/account\n",
    .push_match_title = "Ein Match!",
    .push_match_body = "Du und jemand, den du magst, mögt euch gegenseitig. Sag hallo.",
    .push_message_title = "Neue Nachricht",
    .push_message_body = "Ein Match hat dir geschrieben. Lies und antworte.",
    .push_messages_title = "{} neue Nachrichten",
    .push_messages_body = "{} neue Nachrichten von einem Match warten auf dich.",
    .push_like_title = "Jemand mag dich",
    .push_like_body = "Jemand mag dein Profil. Sieh nach, wer es sein könnte.",
    .push_plan_title = "Dein Tarif hat sich geändert",
    .push_plan_body = "Sieh dir die Einzelheiten deines Tarifs an.",
    .push_other_body = "Etwas Neues wartet auf dich.",
};

// In the order of kLanguages (templates.hpp).
constexpr const Wording* kWordings[] = {&kEnglish, &kGerman};
static_assert(std::size(kWordings) == std::size(kLanguages));

// The wording of a language: its exact code, else its primary subtag ("de-CH" -> "de"), else English.
const Wording& wording(std::string_view lang) {
  auto primary = lang.substr(0, lang.find('-'));
  for (std::size_t i = 0; i < std::size(kLanguages); ++i)
    if (lang == kLanguages[i] || primary == kLanguages[i]) return *kWordings[i];
  return kEnglish;
}

template <class... Args>
std::string say(std::string_view format, Args&&... args) {
  return fmt::format(fmt::runtime(format), std::forward<Args>(args)...);
}

std::string hello(const Wording& w, const std::string& first_name) {
  return first_name.empty() ? std::string(w.hello) : say(w.hello_named, first_name);
}

}  // namespace

bool has_language(std::string_view lang) {
  return std::find(std::begin(kLanguages), std::end(kLanguages), lang) != std::end(kLanguages);
}

std::optional<std::string> language_field(Fields& f) {
  auto language = f.text("language", false, 35);
  if (language && !has_language(*language))
    f.fail("language", fmt::format("must be one of {}", fmt::join(kLanguages, ", ")));
  return language;
}

std::string html_of(const std::string& text) {
  std::string body;
  std::string paragraph;
  auto flush = [&] {
    if (!paragraph.empty()) body += "<p>" + paragraph + "</p>\n";
    paragraph.clear();
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    std::string_view line(text.data() + start, (end == std::string::npos ? text.size() : end) - start);
    if (line.empty()) {
      flush();
    } else {
      if (!paragraph.empty()) paragraph += "<br>\n";
      paragraph += line_html(line);
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  flush();
  return fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{}</body></html>\n",
      kAppName, body);
}

Rendered verify_email(const Links& links, std::string_view lang, const std::string& token, long ttl_hours) {
  const auto& w = wording(lang);
  return framed(links, std::string(w.verify_subject),
                std::string(w.hello) + say(w.verify_body, links.public_url, token, token, ttl_hours));
}

Rendered confirm_new_email(const Links& links, std::string_view lang, const std::string& token) {
  const auto& w = wording(lang);
  return framed(links, std::string(w.confirm_new_subject),
                std::string(w.hello) + say(w.confirm_new_body, links.public_url, token, token));
}

Rendered reset_password(const Links& links, std::string_view lang, const std::string& first_name,
                        const std::string& token, long ttl_minutes) {
  const auto& w = wording(lang);
  return framed(links, std::string(w.reset_subject),
                hello(w, first_name) + say(w.reset_body, links.public_url, token, token, ttl_minutes));
}

Rendered signup_with_taken_address(const Links& links, std::string_view lang, const std::string& first_name) {
  const auto& w = wording(lang);
  return framed(links, std::string(w.signup_taken_subject),
                hello(w, first_name) + say(w.signup_taken_body, links.public_url));
}

Rendered new_address_taken(const Links& links, std::string_view lang) {
  const auto& w = wording(lang);
  return framed(links, std::string(w.new_address_taken_subject),
                std::string(w.hello) + std::string(w.new_address_taken_body));
}

Rendered email_change_requested(const Links& links, std::string_view lang, const std::string& first_name) {
  const auto& w = wording(lang);
  return framed(links, std::string(w.change_requested_subject),
                hello(w, first_name) + std::string(w.change_requested_body));
}

Rendered account_message(const Links& links, std::string_view lang, const std::string& first_name,
                         const std::string& subject, const std::string& text) {
  return framed(links, subject, hello(wording(lang), first_name) + text);
}

Rendered notification(const Links& links, std::string_view lang, const std::string& first_name, const Json& n) {
  const auto& w = wording(lang);
  const std::string type = n.value("type", "");
  const Json content = n.value("content", Json::object());
  std::string_view subject;
  std::string words;
  if (type == "match.new") {
    subject = w.match_subject;
    words = say(w.match_body, links.public_url);
  } else if (type == "message.new") {
    subject = w.message_subject;
    words = say(w.message_body, links.public_url);
  } else if (type == "like.received") {
    subject = w.like_subject;
    words = say(w.like_body, links.public_url);
  } else if (type == "subscription.changed") {
    subject = w.plan_subject;
    words = say(w.plan_body, content.value("plan_type", "free"), content.value("status", "active"), links.public_url);
  } else {
    subject = w.other_subject;
    words = say(w.other_body, links.public_url);
  }
  words += say(w.notification_footer, links.public_url);
  return framed(links, std::string(subject), hello(w, first_name) + words);
}

PushText push_notification(const Links& links, std::string_view lang, const Json& n) {
  const auto& w = wording(lang);
  const std::string type = n.value("type", "");
  const Json content = n.value("content", Json::object());
  auto id = [&](const char* key) {
    return content.contains(key) && content[key].is_string() ? content[key].get<std::string>() : "";
  };
  // No names and no message text: a lock screen is seen by whoever holds the phone.
  if (type == "match.new")
    return {.title = std::string(w.push_match_title),
            .body = std::string(w.push_match_body),
            .url = links.public_url + (id("match_id").empty() ? "/matches" : "/matches/" + id("match_id"))};
  if (type == "message.new") {
    const long count = content.value("count", 1L);
    return {.title = count > 1 ? say(w.push_messages_title, count) : std::string(w.push_message_title),
            .body = count > 1 ? say(w.push_messages_body, count) : std::string(w.push_message_body),
            .url = links.public_url + (id("conversation_id").empty() ? "/chats" : "/chats/" + id("conversation_id"))};
  }
  if (type == "like.received")
    return {.title = std::string(w.push_like_title),
            .body = std::string(w.push_like_body),
            .url = links.public_url + "/matches"};
  if (type == "subscription.changed")
    return {.title = std::string(w.push_plan_title),
            .body = std::string(w.push_plan_body),
            .url = links.public_url + "/subscription"};
  return {.title = std::string(kAppName),
          .body = std::string(w.push_other_body),
          .url = links.public_url + "/notifications"};
}

}  // namespace pm::mail
