#include "messaging/model.hpp"

#include "core/validation.hpp"  // Fields

namespace pm::messaging {

Problem no_such_conversation() { return Problem("not-found", "there is no such conversation among yours"); }
Problem no_such_message() { return Problem("not-found", "there is no such message among yours"); }

namespace {
// Code points that make up emoji: pictographs and symbols, with the pieces that join or modify them
// (zero-width joiner, variation selectors, keycap, skin tones and flags' tags), and the ASCII bases
// of keycaps. Not letters of any script: a reaction is not a way to write words.
bool emoji_part(char32_t c) {
  if ((c >= U'0' && c <= U'9') || c == U'#' || c == U'*') return true;  // keycap bases
  constexpr std::pair<char32_t, char32_t> kRanges[] = {
      {0x00A9, 0x00A9}, {0x00AE, 0x00AE}, {0x200D, 0x200D},   {0x203C, 0x203C},  {0x2049, 0x2049}, {0x20E3, 0x20E3},
      {0x2122, 0x2122}, {0x2139, 0x2139}, {0x2194, 0x21FF},   {0x2300, 0x23FF},  {0x24C2, 0x24C2}, {0x25A0, 0x25FF},
      {0x2600, 0x27BF}, {0x2900, 0x297F}, {0x2B00, 0x2BFF},   {0x3030, 0x3030},  {0x303D, 0x303D}, {0x3297, 0x3297},
      {0x3299, 0x3299}, {0xFE0E, 0xFE0F}, {0x1F000, 0x1FAFF}, {0xE0020, 0xE007F}};
  for (const auto& [low, high] : kRanges)
    if (c >= low && c <= high) return true;
  return false;
}
}  // namespace

bool valid_emoji(std::string_view text) {
  if (text.empty() || text.size() > kMaxEmojiLength) return false;
  // Parsed JSON strings are valid UTF-8 already: each code point decoded by its lead byte.
  bool beyond_ascii = false;  // "1" or "#" alone is no emoji; "1" + U+FE0F + U+20E3 is
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    if (i + length > text.size()) return false;
    char32_t c = length == 1 ? lead : length == 2 ? lead & 0x1F : length == 3 ? lead & 0x0F : lead & 0x07;
    for (std::size_t k = 1; k < length; ++k) c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    if (!emoji_part(c)) return false;
    beyond_ascii = beyond_ascii || length > 1;
    i += length;
  }
  return beyond_ascii;
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
  Json out = {{"conversation_id", conversation_id},
              {"match_id", match_id},
              {"messages", items},
              {"last_seq", last_seq},
              {"has_more", has_more},
              {"closed", closed}};
  if (!user.is_null()) out["user"] = user;
  return out;
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
