#pragma once
// All of the Messaging Service's SQL. Functions take the caller's transaction.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/json.hpp"
#include "messaging/close_reason.hpp"
#include "messaging/model.hpp"

namespace pm::messaging::repository {

struct Conversation {
  ConversationId conversation_id;
  MatchId match_id;
  UserId user_1, user_2;
  std::string created_at, last_message_at;
  bool match_active = false;  // the match is active (both liked): the one state in which its users talk
  long long last_seq = 0;
  std::optional<std::string> closed_at;
  std::optional<CloseReason> close_reason;
  std::optional<UserId> closed_by;
  std::optional<UserId> blocker;  // who blocked whom, if anyone did
  std::string ranking;            // the ranking that placed the match in the feed (matches.ranking)
  // Seconds since each user's first message here (user_1, user_2 as in the match); nullopt: none yet.
  std::optional<double> first_message_age_1, first_message_age_2;
  // Each user's account is suspended or banned now (as the conversation was read).
  bool restricted_1 = false, restricted_2 = false;

  const UserId& other(const UserId& me) const { return me == user_1 ? user_2 : user_1; }
  bool restricted(const UserId& u) const { return u == user_1 ? restricted_1 : restricted_2; }
};

// How conversation_for locks the conversation's row until the transaction ends.
enum class Lock {
  none,
  // A send's (and a reaction's): sends to one conversation are serialised, so their order numbers
  // never collide; a close waits for them.
  send,
  // Excludes only a close (kCloseBetween), which waits for it: what a read receipt needs, so a
  // receipt of a read under way never reaches the other after the close a block made.
  close,
};
// The conversation if `user_id` is one of its two users.
std::optional<Conversation> conversation_for(pqxx::work& tx, const ConversationId& conversation_id,
                                             const UserId& user_id, Lock lock = Lock::none);
// The next order number of the conversation, also its last_message_at; the sender's first message
// time is set if this is their first (in the same statement: a normal message costs nothing more).
long long next_seq(pqxx::work& tx, const Conversation& c, const UserId& sender_id);

std::optional<Message> by_client_id(pqxx::work& tx, const ConversationId& conversation_id, const UserId& sender_id,
                                    const std::string& client_message_id);
Message insert_message(pqxx::work& tx, const Conversation& c, const UserId& sender_id, long long seq,
                       const MessageInput& in, const std::string& app_version);
// Group commit (Service::send_batch): the batch's conversations, locked in a fixed order (no
// membership check: the caller checks each sender against user_1 and user_2).
std::vector<Conversation> lock_conversations(pqxx::work& tx, const std::vector<ConversationId>& ids);
struct ClientIdKey {
  ConversationId conversation_id;
  UserId sender_id;
  std::string client_message_id;
};
struct StoredByClientId {
  std::string client_message_id;
  Message message;  // (its conversation and sender say which key it answers)
};
// Which of these conversations are still open, each row share-locked until the transaction ends
// (in id order): a close (block, unmatch) waits for the caller's commit, or came before it.
std::vector<ConversationId> lock_open_conversations(pqxx::work& tx, const std::vector<ConversationId>& ids);
// Conversation $1's row locked FOR UPDATE: a message's deletion waits for a notification drain that
// holds it (kLockOpenConversations), and a drain after it sees the message deleted.
void lock_conversation(pqxx::work& tx, const ConversationId& conversation_id);
// Which of these messages have been deleted (their ids).
std::vector<std::string> deleted_among(pqxx::work& tx, const std::vector<std::string>& message_ids);
// The messages stored before under any of these keys (retries), in one statement.
std::vector<StoredByClientId> by_client_ids(pqxx::work& tx, const std::vector<ClientIdKey>& keys);
struct NewMessage {
  const Conversation* conversation;  // locked by lock_conversations
  UserId sender_id;
  const MessageInput* input;
  std::string app_version;
};
// Stores the batch in one statement, seqs numbered per conversation in the batch's order; the
// stored messages in that order.
std::vector<Message> insert_messages(pqxx::work& tx, const std::vector<NewMessage>& batch);
// Messages in order: after `after` (exclusive) or before `before` (exclusive), at most `limit`.
std::vector<Message> messages(pqxx::work& tx, const Conversation& c, std::optional<long long> after,
                              std::optional<long long> before, int limit);
std::optional<Message> message(pqxx::work& tx, const MessageId& message_id);
// Marks the other user's messages up to `up_to_seq` read.
struct Marked {
  long long read_up_to = 0;  // the highest seq now read (0: none)
  bool any = false;          // whether this marked a message that was unread
};
// `withheld`: the reader or the other withholds receipts; the time of this read is then never shown.
Marked mark_read(pqxx::work& tx, const ConversationId& conversation_id, const UserId& reader_id, long long up_to_seq,
                 bool withheld);
// The highest seq of the other user's messages the reader has read (0: none).
long long read_up_to(pqxx::work& tx, const ConversationId& conversation_id, const UserId& reader_id);
// Whether both users of the conversation share read receipts and typing (their privacy setting
// `read_receipts`), read as one of the two.
bool shares_receipts(pqxx::work& tx, const Conversation& c);
void set_reactions(pqxx::work& tx, const MessageId& message_id, const Json& reactions);
// Flags the message deleted and erases its text and image key (the stored image is the caller's to remove).
// False when it was deleted already, also by a deletion committed while this one waited for its row.
bool mark_deleted(pqxx::work& tx, const MessageId& message_id);

// Which message is a conversation's last, as the list reads it: its preview (the words) comes from
// the cache in Redis, or from last_messages for the conversations the cache did not hold.
struct LastMessage {
  MessageId message_id;
  bool deleted = false;
};
struct ConversationRow {
  Conversation conversation;
  Json other;  // {user_id, first_name}
  std::optional<LastMessage> last;
  int unread = 0;
  std::int64_t last_message_us = 0;  // last_message_at in microseconds since the epoch: the cursor's
};
// A position in the list: the last conversation of the page before.
struct ConversationCursor {
  std::int64_t last_message_us = 0;
  ConversationId conversation_id;
};
// The user's conversations, newest first, after the cursor.
std::vector<ConversationRow> conversations(pqxx::work& tx, const UserId& user_id,
                                           const std::optional<ConversationCursor>& after, int limit);

// The last message of each of these conversations that has one, by conversation.
std::map<ConversationId, Message> last_messages(pqxx::work& tx, const std::vector<ConversationId>& conversations);

// {user_id, first_name} of a person, as the list shows the other in a conversation.
Json user_summary(pqxx::work& tx, const UserId& user_id);

// Closes the pair's conversation (a block or an unmatch); returns its id if one was open.
std::optional<ConversationId> close_between(pqxx::work& tx, const UserId& a, const UserId& b, CloseReason reason,
                                            const UserId& by);
// Closes every open conversation of the user (a ban) as an unmatch by them; returns each with the
// other person.
struct ClosedConversation {
  ConversationId conversation_id;
  UserId other_id;
};
std::vector<ClosedConversation> close_all_of(pqxx::work& tx, const UserId& user_id);

// Retention: deletes messages sent before `days` ago; returns the media keys they held.
// An image uploaded for a chat: recorded when stored, taken by the message that sends it (false:
// not an unsent upload, e.g. one another message sent already: one image, one message, or deleting
// one message erased the other's picture).
void record_upload(pqxx::work& tx, const std::string& media_key, const UserId& user_id,
                   const ConversationId& conversation_id);
bool take_upload(pqxx::work& tx, const std::string& media_key);
// One batch of a retention delete: how many rows went, and the media objects they leave to remove.
struct DeletedBatch {
  int rows = 0;
  std::vector<std::string> media_keys;
};
// Removes (at most `limit`) uploads left unsent for `hours`.
DeletedBatch delete_unsent_uploads(pqxx::work& tx, int hours, int limit);
// Removes (at most `limit`) messages older than `days`; not every message has media.
DeletedBatch delete_older_than(pqxx::work& tx, int days, int limit);
// Drops every month of messages (and their documents) that ends before `days` ago, whole
// (pm_drop_expired_message_months, migrations/0021): the rows that went and their photos.
DeletedBatch drop_expired_months(pqxx::work& tx, int days);

}  // namespace pm::messaging::repository
