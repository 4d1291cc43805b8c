#include "mail/templates.hpp"

#include <fmt/format.h>

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

std::string hello(const std::string& first_name) {
  return first_name.empty() ? "Hello,\n\n" : fmt::format("Hello {},\n\n", first_name);
}

}  // namespace

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

// English is the one wording so far: `lang` is taken so that callers need not change when others come.
Rendered verify_email(const Links& links, std::string_view, const std::string& first_name, const std::string& token,
                      long ttl_hours) {
  return framed(
      links, "Confirm your email for Perfect Match",
      hello(first_name) + fmt::format("welcome to Perfect Match. Confirm your email address with this link:\n\n"
                                      "{}/verify-email?token={}\n\nor enter this code in the app:\n\nToken: {}\n\n"
                                      "The link works once and expires in {} hours.\n",
                                      links.public_url, token, token, ttl_hours));
}

Rendered confirm_new_email(const Links& links, std::string_view, const std::string& first_name,
                           const std::string& token) {
  return framed(links, "Confirm your new email for Perfect Match",
                hello(first_name) +
                    fmt::format("confirm your new email address with this link:\n\n{}/verify-email?token={}\n\n"
                                "or enter this code in the app:\n\nToken: {}\n\nYour account keeps its old address "
                                "until then.\n",
                                links.public_url, token, token));
}

Rendered reset_password(const Links& links, std::string_view, const std::string& first_name, const std::string& token,
                        long ttl_minutes) {
  return framed(
      links, "Reset your Perfect Match password",
      hello(first_name) +
          fmt::format("someone (hopefully you) asked to reset your password. Choose a new one here:\n\n"
                      "{}/reset-password?token={}\n\nor enter this code in the app:\n\nToken: {}\n\n"
                      "The link works once and expires in {} minutes. If you did not ask, ignore this mail.\n",
                      links.public_url, token, token, ttl_minutes));
}

Rendered signup_with_taken_address(const Links& links, std::string_view, const std::string& first_name) {
  return framed(
      links, "Someone tried to sign up with your address",
      hello(first_name) + fmt::format("someone just tried to create a Perfect Match account with this address, which "
                                      "already has one. If it was you, sign in instead, or reset your password at "
                                      "{}/reset-password if you forgot it. If not, nothing changed.\n",
                                      links.public_url));
}

Rendered new_address_taken(const Links& links, std::string_view) {
  return framed(links, "Your address already has a Perfect Match account",
                "Hello,\n\nsomeone asked to move a Perfect Match account to this address, which already has an "
                "account of its own. Nothing was changed.\n");
}

Rendered email_change_requested(const Links& links, std::string_view, const std::string& first_name) {
  return framed(links, "A change of your Perfect Match email address was requested",
                hello(first_name) +
                    "someone signed in to your account asked to change its email address. It changes only when the "
                    "new address confirms it. If this was not you, reset your password now and contact us.\n");
}

Rendered account_message(const Links& links, std::string_view, const std::string& first_name,
                         const std::string& subject, const std::string& text) {
  return framed(links, subject, hello(first_name) + text);
}

Rendered notification(const Links& links, std::string_view, const std::string& first_name, const Json& n) {
  const std::string type = n.value("type", "");
  const Json content = n.value("content", Json::object());
  std::string subject;
  std::string words;
  if (type == "match.new") {
    subject = "You have a new match on Perfect Match";
    words = fmt::format("you and someone you liked like each other. Say hello:\n\n{}/matches\n", links.public_url);
  } else if (type == "message.new") {
    subject = "You have a new message on Perfect Match";
    words = fmt::format("someone wrote to you. Read and answer it here:\n\n{}/chats\n", links.public_url);
  } else if (type == "like.received") {
    subject = "Someone likes you on Perfect Match";
    words = fmt::format("someone liked your profile. See who it might be:\n\n{}/matches\n", links.public_url);
  } else if (type == "subscription.changed") {
    subject = "Your Perfect Match plan changed";
    words = fmt::format("your plan is now {} ({}). The details:\n\n{}/subscription\n",
                        content.value("plan_type", "free"), content.value("status", "active"), links.public_url);
  } else {
    subject = "News from Perfect Match";
    words = fmt::format("something new is waiting for you:\n\n{}\n", links.public_url);
  }
  words += fmt::format(
      "\nYou get this mail because this kind of notification is on. Turn it off in your settings: "
      "{}/account\n",
      links.public_url);
  return framed(links, subject, hello(first_name) + words);
}

PushText push_notification(const Links& links, std::string_view, const Json& n) {
  const std::string type = n.value("type", "");
  const Json content = n.value("content", Json::object());
  auto id = [&](const char* key) {
    return content.contains(key) && content[key].is_string() ? content[key].get<std::string>() : "";
  };
  // No names and no message text: a lock screen is seen by whoever holds the phone.
  if (type == "match.new")
    return {.title = "It's a match!",
            .body = "You and someone you liked like each other. Say hello.",
            .url = links.public_url + (id("match_id").empty() ? "/matches" : "/matches/" + id("match_id"))};
  if (type == "message.new") {
    const long count = content.value("count", 1L);
    return {.title = count > 1 ? fmt::format("{} new messages", count) : "New message",
            .body = count > 1 ? fmt::format("{} new messages from a match are waiting for you.", count)
                              : "A match wrote to you. Read and answer it.",
            .url = links.public_url + (id("conversation_id").empty() ? "/chats" : "/chats/" + id("conversation_id"))};
  }
  if (type == "like.received")
    return {.title = "Someone likes you",
            .body = "Someone liked your profile. See who it might be.",
            .url = links.public_url + "/matches"};
  if (type == "subscription.changed")
    return {.title = "Your plan changed",
            .body = "See the details of your plan.",
            .url = links.public_url + "/subscription"};
  return {.title = std::string(kAppName),
          .body = "Something new is waiting for you.",
          .url = links.public_url + "/notifications"};
}

}  // namespace pm::mail
