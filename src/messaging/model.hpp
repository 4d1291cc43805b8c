#pragma once
// The Messaging Service's inputs (checked strictly) and its message as clients see it.

#include <optional>
#include <string>
#include <vector>

#include "core/id.hpp"
#include "core/json.hpp"
#include "core/problem.hpp"
#include "messaging/message_type.hpp"

namespace pm::messaging {

inline constexpr std::size_t kMaxTextLength = 4000;     // characters of a text message
inline constexpr std::size_t kMaxClientIdLength = 100;  // client_message_id
inline constexpr std::size_t kMaxEmojiLength = 16;      // bytes of one reaction
inline constexpr std::size_t kMaxReactionsPerUser = 8;  // different reactions of one user on one message

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

// The answers for an id that names nothing of the caller's (also for one that is no id at all).
Problem no_such_conversation();
Problem no_such_message();

// A stored message with its document fields, as the API and the events show it.
struct Message {
  MessageId message_id;
  ConversationId conversation_id;
  UserId sender_id, recipient_id;
  MessageType type = MessageType::text;
  std::string sent_at;
  long long seq = 0;
  std::optional<std::string> content, media_key, read_at;
  Json reactions = Json::array();
  Json metadata = Json::object();
  std::string media_url;  // the image's signed URL for the one reading (the service signs; empty: none)

  bool deleted() const { return metadata.value("isDeleted", false); }
  Json to_json() const;
};

// A page of a conversation's messages, oldest first (GET /api/v1/conversations/{id}/messages).
struct History {
  ConversationId conversation_id;
  MatchId match_id;
  Json user;  // the other person, {user_id, first_name}, when asked for (else null)
  std::vector<Message> messages;
  long long last_seq = 0;
  bool has_more = false;  // another page in the direction read
  bool closed = false;
  Json to_json() const;
};

// Read receipts: the other's messages read up to an order number.
struct ReadReceipt {
  ConversationId conversation_id;
  long long read_up_to = 0;
  Json to_json() const;
};

// A photo stored for an image message: the key to send it with, and a URL to show it now.
struct UploadedMedia {
  std::string media_key, url;
  int width = 0, height = 0;
  Json to_json() const;
};

// One conversation in the list: the other user, the last message's preview (or null), unread count.
struct ConversationSummary {
  ConversationId conversation_id;
  MatchId match_id;
  Json user;          // {user_id, first_name}
  Json last_message;  // the preview, as cached
  std::string last_message_at;
  int unread_count = 0;
  bool closed = false;
  Json to_json() const;
};

struct ConversationPage {
  std::vector<ConversationSummary> conversations;
  std::optional<std::string> next_cursor;
  Json to_json() const;
};

}  // namespace pm::messaging
