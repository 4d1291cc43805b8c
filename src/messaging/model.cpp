#include "messaging/model.hpp"

#include "core/validation.hpp"  // Fields

namespace pm::messaging {

Problem no_such_conversation() { return Problem("not-found", "there is no such conversation among yours"); }
Problem no_such_message() { return Problem("not-found", "there is no such message among yours"); }

bool valid_emoji(std::string_view text) {
  if (text.empty() || text.size() > kMaxEmojiLength) return false;
  for (unsigned char c : text)
    if (c < 0x80 && !(c == 0x23 || c == 0x2A)) return false;  // ASCII only as keycap bases (#, *)
  return true;                                                // parsed JSON strings are valid UTF-8 already
}

Result<MessageInput> MessageInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"client_message_id", "message_type", "content", "media_key"});
  MessageInput in;
  if (auto id = f.text("client_message_id", true, kMaxClientIdLength)) in.client_message_id = *id;
  if (f.has("message_type")) {
    auto type = f.text("message_type", true, 20);
    auto known = type ? message_type_from(*type) : std::nullopt;
    if (type && !known)
      f.fail("message_type", "must be text, image or reaction");
    else if (known)
      in.type = *known;
  }
  if (in.type == MessageType::text) {
    if (auto text = f.multiline_text("content", true, kMaxTextLength)) in.content = *text;
    if (f.has("media_key")) f.fail("media_key", "only an image message has media");
  } else if (in.type == MessageType::reaction) {
    auto emoji = f.text("content", true, kMaxEmojiLength);
    if (emoji && !valid_emoji(*emoji))
      f.fail("content", "a reaction is one emoji");
    else if (emoji)
      in.content = *emoji;
    if (f.has("media_key")) f.fail("media_key", "only an image message has media");
  } else {
    if (auto key = f.text("media_key", true, 512)) in.media_key = *key;
    if (auto caption = f.multiline_text("content", false, kMaxTextLength)) in.content = *caption;
  }
  if (!f.ok()) return std::unexpected(f.problem());
  return in;
}

Result<ReactionInput> ReactionInput::parse(const Json& body) {
  Fields f(body);
  f.allow_only({"emoji", "action"});
  ReactionInput in;
  auto emoji = f.text("emoji", true, kMaxEmojiLength);
  if (emoji && !valid_emoji(*emoji))
    f.fail("emoji", "must be one emoji");
  else if (emoji)
    in.emoji = *emoji;
  if (f.has("action")) {
    auto action = f.text("action", true, 10);
    if (action && *action != "add" && *action != "remove")
      f.fail("action", "must be add or remove");
    else if (action)
      in.add = *action == "add";
  }
  if (!f.ok()) return std::unexpected(f.problem());
  return in;
}

Json Message::to_json() const {
  const bool gone = deleted();
  return {{"message_id", message_id},
          {"conversation_id", conversation_id},
          {"sender_id", sender_id},
          {"recipient_id", recipient_id},
          {"seq", seq},
          {"message_type", to_string(type)},
          // A deleted message keeps its place in the order, not its words or picture.
          {"content", gone || !content ? Json(nullptr) : Json(*content)},
          {"media_url", gone || media_url.empty() ? Json(nullptr) : Json(media_url)},
          {"sent_at", sent_at},
          {"read_at", read_at ? Json(*read_at) : Json(nullptr)},
          {"reactions", gone ? Json::array() : reactions},
          {"client_message_id", metadata.value("clientMessageId", "")},
          {"deleted", gone}};
}

Json History::to_json() const {
  Json items = Json::array();
  for (const auto& m : messages) items.push_back(m.to_json());
  return {{"conversation_id", conversation_id},
          {"messages", items},
          {"last_seq", last_seq},
          {"has_more", has_more},
          {"closed", closed}};
}

Json ReadReceipt::to_json() const { return {{"conversation_id", conversation_id}, {"read_up_to", read_up_to}}; }

Json UploadedMedia::to_json() const {
  return {{"media_key", media_key}, {"url", url}, {"width", width}, {"height", height}};
}

Json ConversationSummary::to_json() const {
  return {{"conversation_id", conversation_id},
          {"match_id", match_id},
          {"user", user},
          {"last_message", last_message},
          {"last_message_at", last_message_at},
          {"unread_count", unread_count},
          {"closed", closed}};
}

Json ConversationPage::to_json() const {
  Json items = Json::array();
  for (const auto& c : conversations) items.push_back(c.to_json());
  return {{"conversations", items}, {"next_cursor", next_cursor ? Json(*next_cursor) : Json(nullptr)}};
}

}  // namespace pm::messaging
