#pragma once
// The Messaging Service: the two users of an active match talk. Messages are idempotent on the
// client's id, ordered per conversation (seq), read receipts, reactions, soft delete, image
// messages through the media store, conversation lists with a cached preview, closing on
// unmatch or block, and retention. Every change is announced to both users as an event (the
// realtime hub delivers it to their open sockets on every node).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/rate_limit.hpp"
#include "cache/redis.hpp"
#include "core/group_queue.hpp"
#include "core/json.hpp"
#include "core/mutex.hpp"
#include "db/pool.hpp"
#include "messaging/close_reason.hpp"
#include "messaging/model.hpp"
#include "messaging/repository.hpp"
#include "notifications/service.hpp"
#include "profiles/personal_data.hpp"
#include "storage/object_store.hpp"

namespace pm::messaging {

// An event for every open connection of each of these users.
struct Event {
  std::vector<UserId> user_ids;
  Json event;
};
// Delivers events (wired to the realtime hub by app/); a batch's events come in one call.
using EventSink = std::function<void(const std::vector<Event>& events)>;

struct SendResult {
  Message message;
  bool created = true;  // false: a retry of a message already stored
};

// One message to send, as send() takes it.
struct SendRequest {
  UserId user_id;
  ConversationId conversation_id;
  MessageInput input;
  std::string app_version;
};
// Called once with a send's outcome, after its batch committed (or failed), on the batch's thread.
using SendDone = std::function<void(Result<SendResult>)>;

class Service {
 public:
  struct Deps {
    db::Pool& db;
    cache::RedisPool& redis;
    storage::ObjectStore& media;
    notifications::Service& notifications;  // message.new for the recipient, coalesced per conversation
    EventSink events = {};
    cache::Limit send_limit{.max = 120, .window = std::chrono::seconds(60)};     // per user, all conversations
    cache::Limit reaction_limit{.max = 60, .window = std::chrono::seconds(60)};  // per user, set or removed
    cache::Limit upload_limit{.max = 30, .window = std::chrono::hours(1)};       // per user, with profile photos
    std::chrono::days reply_window{3};  // a first message this soon after the other's is a reply (outcomes)
    std::chrono::seconds preview_ttl{3600};
    // Group commit (docs/messaging.md): sends are committed in batches of up to `send_batch_max`
    // by `send_lanes` threads, each conversation always on the same lane (its order kept). One by
    // default (PM_MESSAGE_SEND_LANES): with two or four per node, the batches' transactions
    // contended in PostgreSQL and the chat benchmark's p99 rose (docs/benchmarks.md).
    int send_lanes = 1;
    std::size_t send_batch_max = 128;
    // The deferred message.new notifications are recorded at most this often: each recording is a
    // transaction of five statements whatever its size, so under load it takes what a fifth of a
    // second brought (at 2,000 messages/s back to back they were ~47 transactions a second of ~30
    // notifications each, now ~6 of ~200). A notification follows its message by up to this more.
    std::chrono::milliseconds notice_spacing{200};
  };
  explicit Service(Deps deps);
  ~Service();
  // Safe while the lanes publish (a test replaces the sink right after a send, whose events are
  // published after its ack: an unguarded swap of the function under a publishing lane crashed).
  void set_event_sink(EventSink sink) {
    MutexLock lock(sink_mutex_);
    events_ = std::move(sink);
  }

  // Sends and waits for the commit of the batch the message went into.
  Result<SendResult> send(const UserId& user_id, const ConversationId& conversation_id, const MessageInput& in,
                          const std::string& app_version = "");
  // Queues the send and returns at once; `done` gets the outcome after the batch committed. Sends
  // queued one after another for the same conversation are stored in that order.
  void send_async(SendRequest request, SendDone done);
  // One batch in one transaction (the lanes call it; tests too): every request checked as send()
  // checks it, the accepted ones stored in one statement, each refused one answered with its
  // problem alone. If the batch's transaction fails, each message is sent again on its own, so
  // one that breaks a statement does not sink the others. Outcomes in the requests' order.
  std::vector<Result<SendResult>> send_batch(const std::vector<SendRequest>& requests);
  // Waits until the deferred message.new notifications queued so far are recorded (tests).
  void flush_notifications();
  // Before the account's deletion (profiles::BeforeAccountDeletion): locks its conversations (see
  // lock_conversations_of_departing), names their images, and once the rows are gone drops their
  // cached previews, the last message's words, from Redis.
  profiles::AfterAccountDeletion before_account_deletion(pqxx::work& tx, const UserId& user_id);
  // The export's part (personal_data.hpp), each image sent with a link to the image itself
  // (`image_url`, signed for a day: `image_url_expires_at`), not only its key in the store.
  Json personal_data(pqxx::work& tx, const UserId& user_id);
  // Stores what is queued, records its notifications, and refuses sends from now on (App::close,
  // before the database and the hub go).
  void stop();
  // Newest page, or the page after / before an order number.
  // With `with_user`, the other person too (the chat's header and its safety actions: the app no
  // longer has to find the conversation in the list's pages).
  Result<History> history(const UserId& user_id, const ConversationId& conversation_id, std::optional<long long> after,
                          std::optional<long long> before, int limit, bool with_user = false);
  // A typing indicator for the other user: checked like a send, published, never stored.
  Result<void> typing(const UserId& user_id, const ConversationId& conversation_id);
  // Marks the other's messages read up to `up_to_seq` (default: all) and tells them.
  Result<ReadReceipt> read(const UserId& user_id, const ConversationId& conversation_id,
                           std::optional<long long> up_to_seq);
  Result<Message> react(const UserId& user_id, const MessageId& message_id, const ReactionInput& in);
  // Soft delete by the sender: the message keeps its place, not its words.
  Result<Message> remove(const UserId& user_id, const MessageId& message_id);
  // Stores a photo for an image message (checked and stripped like profile photos).
  Result<UploadedMedia> upload_media(const UserId& user_id, const ConversationId& conversation_id,
                                     std::string_view bytes);
  Result<ConversationPage> conversations(const UserId& user_id, const std::optional<std::string>& cursor, int limit);

  // A block or an unmatch by `a`: the pair's conversation closes for both. The other hears of a
  // block as of an unmatch: being told "blocked" is what an abuser should not learn.
  void close_between(const UserId& a, const UserId& b, CloseReason reason);
  // A ban, in its transaction (before the user's row, as a deletion locks them): every open
  // conversation of the banned account closes, so no one writes on to an account that will never
  // read it; the record stays in the others' lists. Returns what to do once committed: tell each
  // other person, as of an unmatch.
  std::function<void()> close_conversations_of_banned(pqxx::work& tx, const UserId& banned);
  // Deletes the images uploaded for a chat and left unsent for `hours`; returns how many.
  Result<int> delete_unsent_uploads(int hours);
  // Retention: deletes messages older than `days` and their media (whole expired months dropped,
  // migrations/0021); returns how many.
  Result<int> delete_expired(int days);

 private:
  struct QueuedSend {
    SendRequest request;
    SendDone done;
  };
  // A message.new notification to record after its message committed, off the send path.
  struct Notice {
    UserId recipient_id;
    ConversationId conversation_id;
    Json content;
    std::function<void()> flushed;  // flush_notifications(): set instead of the fields above
  };
  // The image of an image message must be one the sender uploaded here (checked before queueing).
  Result<void> check_media(const SendRequest& request);
  // The stored message and whether it is new, or the refusal: a batch's (send_batch) or one alone.
  struct StoredMessage {
    Message message;
    bool created = false;
    // A retry of a message stored before its conversation closed (its ack was lost): answered to
    // its sender, and told to nobody else.
    bool closed = false;
    // A retry of a message older than the conversation's newest kRetriesRepublished: answered to
    // its sender alone too (retry_is_old).
    bool old = false;
  };
  // A retry is published again to the other person too (the node that stored it may have died
  // before publishing it), but only for one of the conversation's newest messages: a socket drops
  // a copy of what it sent among the 512 newest it remembers, so re-sending an old message's
  // client id again and again, unbudgeted (a retry is never refused), would otherwise reach every
  // device of the other person each time.
  static constexpr long long kRetriesRepublished = 256;
  static bool retry_is_old(const repository::Conversation& c, const Message& m) {
    return m.seq <= c.last_seq - kRetriesRepublished;
  }
  using Stored = Result<StoredMessage>;
  // A send cannot_send refused: a retry of a message stored before the close is answered with it,
  // to its sender alone; anything else is refused (service.cpp).
  static Stored after_close(const repository::Conversation& c, const UserId& user_id, const Message* stored,
                            const Problem& refused);
  std::vector<Stored> store_batch(const std::vector<SendRequest>& requests);
  Stored store_one(const SendRequest& request);
  // A batch stored (send_batch's work but the publishing): its outcomes and the events to publish.
  struct Settled {
    std::vector<Result<SendResult>> outcomes;
    std::vector<Event> events;
  };
  Settled settle_batch(const std::vector<SendRequest>& requests);
  void publish_events(const std::vector<Event>& events);
  void flush_lane(std::vector<QueuedSend>& batch);
  void record_notices(std::vector<Notice>& notices);
  void publish(const std::vector<UserId>& users, const Json& event);
  // Whether read receipts mean anything to anyone.
  enum class Receipts { shared, withheld };
  // The message as its two people see it: its image's URL signed for the one reading it, and when
  // it was read only while both share receipts (`read_receipts`: neither learns the other's
  // reading while either keeps theirs).
  Message as_shown(Message m, Receipts receipts);
  // Whether the conversation's two people share receipts and typing.
  static Receipts receipts_of(pqxx::work& tx, const repository::Conversation& c);
  void forget_previews(const std::vector<ConversationId>& conversations);
  // The list's last-message previews (null for a conversation without messages), one per row.
  Result<std::vector<Json>> cached_previews(const std::vector<repository::ConversationRow>& rows);
  // Under the conversation's lock: the sender's first message here becomes an outcome.
  void record_first_message(pqxx::work& tx, const repository::Conversation& c, const UserId& sender);
  // Removes media objects from storage, logging (never failing on) the ones that could not be.
  void remove_media(const std::vector<std::string>& keys, std::string_view not_removed_event);
  // Runs `delete_batch` in its own transaction until a batch comes back short, or for about 10 s
  // (a backlog goes on at the next round: the worker's other work waits for this one), removing
  // the media objects of each committed batch; returns how many rows went.
  Result<int> delete_in_batches(const std::function<repository::DeletedBatch(pqxx::work&, int)>& delete_batch,
                                std::string_view media_not_removed_event);

  Deps d_;  // its `events` moves to events_ at construction
  mutable Mutex sink_mutex_;
  EventSink events_ PM_GUARDED_BY(sink_mutex_);
  EventSink event_sink() const {
    MutexLock lock(sink_mutex_);
    return events_;
  }
  // Last: destroyed first (stop()), so their threads finish what is queued while all else is there.
  std::unique_ptr<GroupQueue<Notice>> notices_;
  std::vector<std::unique_ptr<GroupQueue<QueuedSend>>> lanes_;
};

}  // namespace pm::messaging
