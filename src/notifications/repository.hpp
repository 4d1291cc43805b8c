#pragma once
// All of the Notification Service's SQL: notifications and the notification outbox. Functions
// take the caller's transaction.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/backlog.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "notifications/model.hpp"

namespace pm::notifications::repository {

// Takes the words of message `message_id` out of user's message.new notification that quotes it
// (the latest message of its conversation) and out of its undelivered deliveries: the sender
// deleted it. Returns how many notifications changed.
int forget_message_preview(pqxx::work& tx, const UserId& user_id, const std::string& message_id);
// Deletes both users' notifications about the other (and so their undelivered deliveries).
int forget_between(pqxx::work& tx, const UserId& a, const UserId& b);
// Deletes the notifications of `owners` (nullopt: of everyone with a match with `subject`) that
// name `subject`, with their deliveries. Returns how many.
int forget_about(pqxx::work& tx, const UserId& subject, const std::optional<std::vector<UserId>>& owners);
// The user's notification_settings object as delivery honours it: with "email" false while the
// account's address is not proven (an empty object when the account is gone).
Json settings_of(pqxx::work& tx, const UserId& user_id);
// Sets the user's notification_settings `key` to false (nothing for an account that is gone).
void turn_off(pqxx::work& tx, const UserId& user_id, const std::string& key);

Notification insert(pqxx::work& tx, const UserId& user_id, std::string_view type, const Json& content);
// Inserts, or folds into each user's unread notification of this type and group: content replaced
// by `content` with "count" `count` more than before, created_at now (`inserted` says which
// happened). Many groups at once (each user and group once), in two statements: the groups claimed,
// then the notifications written. Results in any order.
struct Coalesced {
  Notification notification;
  bool inserted = false;
};
struct GroupedContent {
  UserId user_id;
  std::string group_key;
  Json content;
  int count = 1;
};
struct CoalescedFor {
  UserId user_id;
  Coalesced coalesced;
};
std::vector<CoalescedFor> insert_or_coalesce_many(pqxx::work& tx, std::string_view type,
                                                  const std::vector<GroupedContent>& groups);
// settings_of for each of these users whose account exists.
std::map<UserId, Json> settings_of_many(pqxx::work& tx, const std::vector<UserId>& user_ids);

// The user's notifications newest first, after the cursor, at most `limit`.
std::vector<Notification> list(pqxx::work& tx, const UserId& user_id, const std::optional<Cursor>& after, int limit,
                               bool unread_only);
int unread_count(pqxx::work& tx, const UserId& user_id);
// Marks one of the user's notifications read and returns it; nullopt if the user has no such one.
std::optional<Notification> mark_read(pqxx::work& tx, const UserId& user_id, const std::string& notification_id);
// Marks all the user's unread notifications read; returns how many.
int mark_all_read(pqxx::work& tx, const UserId& user_id);

// ---- the outbox ----

// A notification to deliver on one channel; the payload is the notification as recorded.
struct Delivery {
  std::string notification_id;
  UserId user_id;
  Channel channel = Channel::push;
  Json payload;
};
// All in one statement (a drained queue of message notifications queues hundreds at once).
void queue(pqxx::work& tx, const std::vector<Delivery>& deliveries);

struct OutboxRow {
  std::string outbox_id;
  UserId user_id;
  Channel channel = Channel::push;
  Json payload;
  int attempts = 0;    // including this claim
  bool unread = true;  // its notification is still unread (false: read, or gone)
};
// Claims up to `limit` due rows for `lease` under the claim id `claim`: rows neither sent, failed
// nor under another live lease; locked rows are skipped (another worker is claiming them).
std::vector<OutboxRow> claim(pqxx::work& tx, const std::string& claim, int limit, std::chrono::seconds lease);
// Records a delivery. Whoever sent it, it was sent: recorded even if the claim was lost.
void mark_sent(pqxx::work& tx, const std::string& outbox_id);
// Records a failed attempt under `claim`: retried after `retry_in`, or failed for good when
// nullopt. Returns false when the claim was lost (another worker's result stands).
bool mark_failed(pqxx::work& tx, const std::string& outbox_id, const std::string& claim, const std::string& error,
                 std::optional<std::chrono::seconds> retry_in);
// Gives back claimed rows never attempted (the lease ran short): free at once, the attempt uncounted.
void release(pqxx::work& tx, const std::vector<std::string>& outbox_ids, const std::string& claim);
// Rows neither sent nor failed for good, and how late the most overdue one is.
Backlog outbox_backlog(pqxx::work& tx);

// ---- Web Push (migrations/0024) ----

// The user's subscriptions other than `endpoint`, counted under a lock on them that the
// transaction holds to its end (another subscribe of the user's waits to count).
int count_other_push_subscriptions(pqxx::work& tx, const UserId& user_id, const std::string& endpoint);
// Stores the subscription; an endpoint already known (the same browser, its keys renewed, or now
// signed in as someone else) is taken over by this user with these keys. `created`: it was new.
// `session_id`: the session subscribing (its token's SHA-256); its end ends the subscription.
SavedSubscription save_push_subscription(pqxx::work& tx, const UserId& user_id, const std::string& session_id,
                                         const PushSubscriptionInput& in);
// The subscriptions of ended sessions: `sessions`, or with `all_but` every one except `kept`'s
// (and those from before sessions were recorded). Returns how many went.
int end_push_subscriptions(pqxx::work& tx, const UserId& user_id, const std::vector<std::string>& sessions,
                           bool all_but, const std::optional<std::string>& kept);
// Deletes the user's subscription with this endpoint; false when the user has none such.
bool delete_push_subscription(pqxx::work& tx, const UserId& user_id, const std::string& endpoint);
std::vector<PushSubscription> push_subscriptions_of(pqxx::work& tx, const UserId& user_id);
// The push service said the subscription is gone (404/410): removed, its deliveries with it.
void forget_push_subscription(pqxx::work& tx, const std::string& subscription_id);
// At most once: records that outbox row `outbox_id` is about to be pushed to a subscription and
// returns true, unless it was before with any outcome but 'retry' (then false: do not send).
bool start_push_delivery(pqxx::work& tx, const std::string& outbox_id, const std::string& subscription_id,
                         const UserId& user_id);
// The outcome of a started delivery: "sent", "retry" or "failed", with the push service's status
// (0: none). A sent one also marks the subscription used.
void finish_push_delivery(pqxx::work& tx, const std::string& outbox_id, const std::string& subscription_id,
                          std::string_view outcome, long status);
// A notification's content as it is now (a coalesced one counts every message folded into it);
// nullopt when it is gone or already read.
std::optional<Json> unread_content(pqxx::work& tx, const std::string& notification_id);
// The language the user reads their mails and pushes in (user_preferences.language; "en" if none).
std::string language_of(pqxx::work& tx, const UserId& user_id);

}  // namespace pm::notifications::repository
