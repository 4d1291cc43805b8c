#pragma once
// The Messaging Service's inputs (checked strictly) and its message as clients see it.

#include <optional>
#include <string>

#include "core/json.hpp"
#include "core/problem.hpp"
#include "messaging/message_type.hpp"

namespace pm::messaging {

inline constexpr std::size_t kMaxTextLength = 4000;     // characters of a text message
inline constexpr std::size_t kMaxClientIdLength = 100;  // client_message_id
inline constexpr std::size_t kMaxEmojiLength = 16;      // bytes of one reaction

// POST /api/v1/conversations/{id}/messages (and "message.send" on the WebSocket).
struct MessageInput {
  std::string client_message_id;  // the client's own id: a retry with it returns the original
  MessageType type = MessageType::text;
  std::string content;    // text, or the emoji of a reaction message
  std::string media_key;  // image: the key POST .../media returned

  static Result<MessageInput> parse(const Json& body);
};

// POST /api/v1/messages/{id}/reactions.
struct ReactionInput {
  std::string emoji;
  bool add = true;  // action "add" (default) or "remove"

  static Result<ReactionInput> parse(const Json& body);
};

// Whether `text` is one short emoji-like token: 1-16 bytes of UTF-8, no letters, digits,
// spaces or control characters (so a reaction cannot carry a message).
bool valid_emoji(std::string_view text);

// A stored message with its document fields, as the API and the events show it.
struct Message {
  std::string message_id, conversation_id, sender_id, recipient_id;
  MessageType type = MessageType::text;
  std::string sent_at;
  long long seq = 0;
  std::optional<std::string> content, media_key, read_at;
  Json reactions = Json::array();
  Json metadata = Json::object();

  bool deleted() const { return metadata.value("isDeleted", false); }
  // `media_url` is the signed URL of the image (the caller signs; empty for none).
  Json to_json(const std::string& media_url) const;
};

}  // namespace pm::messaging
