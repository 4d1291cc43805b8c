#include "notifications/model.hpp"

#include <array>
#include <charconv>
#include <chrono>

#include <fmt/format.h>

#include "core/base64url.hpp"
#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "core/validation.hpp"
#include "notifications/push_crypto.hpp"

namespace pm::notifications {

namespace {

struct TypeInfo {
  Type type;
  std::string_view name;
  std::string_view setting;
};

constexpr std::array kTypes = {
    TypeInfo{Type::match_new, "match.new", "new_match"},
    TypeInfo{Type::message_new, "message.new", "new_message"},
    TypeInfo{Type::like_received, "like.received", "like_received"},
    TypeInfo{Type::subscription_changed, "subscription.changed", "subscription"},
};

const TypeInfo& info(Type type) {
  for (const auto& t : kTypes)
    if (t.type == type) return t;
  return kTypes[0];  // unreachable: every enumerator has a row
}

// 9999-12-31T23:59:59.999999Z: a larger position is no time PostgreSQL would have handed out.
constexpr std::int64_t kMaxMicros = 253402300799999999;

}  // namespace

std::string_view type_name(Type type) { return info(type).name; }

std::optional<Type> type_from_name(std::string_view name) {
  for (const auto& t : kTypes)
    if (t.name == name) return t.type;
  return std::nullopt;
}

std::string_view setting_key(Type type) { return info(type).setting; }

std::string_view channel_name(Channel channel) { return channel == Channel::email ? "email" : "push"; }

std::optional<Channel> channel_from_name(std::string_view name) {
  if (name == "email") return Channel::email;
  if (name == "push") return Channel::push;
  return std::nullopt;
}

bool setting_on(const Json& settings, std::string_view key) {
  if (!settings.is_object()) return true;
  auto it = settings.find(key);
  return it == settings.end() || !it->is_boolean() || it->get<bool>();
}

Json shown_content(std::string_view type, const Json& content) {
  if (type != type_name(Type::like_received) || !content.is_object()) return content;
  Json shown = content;
  shown.erase("match_id");
  return shown;
}

Json Notification::to_json() const {
  return {{"notification_id", notification_id},
          {"type", type},
          {"content", shown_content(type, content)},
          {"is_read", is_read},
          {"created_at", created_at}};
}

Json NotificationPage::to_json() const {
  Json items = Json::array();
  for (const auto& n : notifications) items.push_back(n.to_json());
  return {{"notifications", items},
          {"next_cursor", next_cursor ? Json(*next_cursor) : Json(nullptr)},
          {"unread_count", unread_count}};
}

std::string encode_cursor(const Cursor& cursor) {
  return fmt::format("{}_{}", cursor.created_us, cursor.notification_id);
}

std::optional<Cursor> decode_cursor(std::string_view text) {
  auto sep = text.find('_');
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  auto id = text.substr(sep + 1);
  if (!crypto::is_uuid(id)) return std::nullopt;
  std::int64_t us = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + sep, us);
  if (ec != std::errc{} || end != text.data() + sep || us < 0 || us > kMaxMicros) return std::nullopt;
  return Cursor{us, crypto::canonical_uuid(id)};
}

std::string timestamp_literal(std::int64_t us) {
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds(us)};
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss time{t - day};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}+00", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
                     time.minutes().count(), time.seconds().count(), time.subseconds().count());
}

Result<ListQuery> ListQuery::parse(const std::optional<std::string>& cursor, const std::optional<std::string>& limit,
                                   const std::optional<std::string>& unread) {
  ListQuery q;
  if (cursor) {
    q.cursor = decode_cursor(*cursor);
    if (!q.cursor) return std::unexpected(invalid_field("cursor", "is not one this API handed out"));
  }
  if (limit) {
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), q.limit);
    if (ec != std::errc{} || end != limit->data() + limit->size() || q.limit < 1 || q.limit > 100)
      return std::unexpected(invalid_field("limit", "must be an integer from 1 to 100"));
  }
  if (unread) {
    if (*unread != "true" && *unread != "false")
      return std::unexpected(invalid_field("unread", "must be true or false"));
    q.unread_only = *unread == "true";
  }
  return q;
}

bool names_push_service(std::string_view hosts, std::string_view endpoint) {
  const auto host = http_client::url_host(endpoint);
  if (host.empty()) return false;
  while (!hosts.empty()) {
    auto comma = hosts.find(',');
    auto allowed = hosts.substr(0, comma);
    hosts = comma == std::string_view::npos ? std::string_view() : hosts.substr(comma + 1);
    while (!allowed.empty() && allowed.front() == ' ') allowed.remove_prefix(1);
    while (!allowed.empty() && allowed.back() == ' ') allowed.remove_suffix(1);
    if (allowed.empty()) continue;
    if (host == allowed ||
        (host.size() > allowed.size() && host.ends_with(allowed) && host[host.size() - allowed.size() - 1] == '.'))
      return true;
  }
  return false;
}

Result<PushSubscriptionInput> PushSubscriptionInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"endpoint", "expirationTime", "keys"});
  PushSubscriptionInput in;
  if (auto endpoint = f.text("endpoint", true, kMaxPushEndpointLength)) {
    if (!http_client::is_http_url(*endpoint) || http_client::refusal(*endpoint))
      f.fail("endpoint", "must be an https:// URL (http:// only to this machine)");
    else
      in.endpoint = *endpoint;
  }
  if (!f.has("keys") || !f.raw("keys").is_object()) {
    f.fail("keys", "must be an object {p256dh, auth}");
  } else {
    Fields keys(f.raw("keys"), "keys");
    keys.allow_only({"p256dh", "auth"});
    if (auto p256dh = keys.text("p256dh", true, 200)) {
      auto point = base64url_decode(*p256dh);
      if (!point || !push::p256_public_key(*point))
        keys.fail("p256dh", "must be base64url of an uncompressed P-256 public key (65 bytes)");
      else
        in.p256dh = *p256dh;
    }
    if (auto auth = keys.text("auth", true, 100)) {
      auto secret = base64url_decode(*auth);
      if (!secret || secret->size() != push::kAuthSecretBytes)
        keys.fail("auth", "must be base64url of 16 bytes");
      else
        in.auth = *auth;
    }
    f.merge(keys);
  }
  if (!f.ok()) return std::unexpected(f.problem());
  return in;
}

}  // namespace pm::notifications
