#include "messaging/service.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <future>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/actor.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "db/transaction.hpp"
#include "media/photo.hpp"
#include "messaging/personal_data.hpp"
#include "messaging/repository.hpp"
#include "outcomes/service.hpp"
#include "profiles/photos.hpp"

namespace pm::messaging {

namespace {

constexpr auto kMediaUrlTtl = std::chrono::seconds(900);
constexpr std::size_t kPreviewLength = 100;

Problem closed(const std::string& why) { return Problem("conversation-closed", why); }

// Who may read, and who may write, a conversation.
std::optional<Problem> cannot_read(const repository::Conversation& c, const UserId& user_id) {
  if (c.blocker && *c.blocker != user_id) return no_such_conversation();  // the blocked one loses it
  return std::nullopt;
}
std::optional<Problem> cannot_send(const repository::Conversation& c, const UserId& user_id) {
  if (auto p = cannot_read(c, user_id)) return p;
  // A suspension or ban ends the account's sessions, but a request already past its session check
  // (or one made while Redis could not end them, until the worker does) still comes this far.
  if (c.restricted(user_id))
    return Problem("account-suspended", "this account may not send messages while it is suspended or banned");
  if (c.blocker || c.closed_at) return closed("this conversation is closed; no more messages can be sent");
  if (!c.match_active) return closed("messages can be sent only in an active match (both liked)");
  return std::nullopt;
}

// Who hears live of what `user_id` does in the conversation (reads it, deletes a message): their own
// devices, and the other only while the two may still talk. After a block or an unmatch the other
// learns nothing more of them, not even that they are there.
std::vector<UserId> told_of(const repository::Conversation& c, const UserId& user_id) {
  if (cannot_send(c, user_id)) return {user_id};
  return {user_id, c.other(user_id)};
}

// "<last_message_at in microseconds since the epoch>_<conversation id>", as conversations() hands
// them out; nullopt for anything else (a time past the year 9999 included: PostgreSQL's range).
std::optional<repository::ConversationCursor> conversation_cursor(std::string_view text) {
  constexpr std::int64_t kMaxMicros = 253402300799999999;  // 9999-12-31 23:59:59.999999
  auto sep = text.find('_');
  if (sep == std::string_view::npos) return std::nullopt;
  auto id = ConversationId::parse(text.substr(sep + 1));
  std::int64_t us = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + sep, us);
  if (!id || ec != std::errc{} || end != text.data() + sep || us < 0 || us > kMaxMicros) return std::nullopt;
  return repository::ConversationCursor{.last_message_us = us, .conversation_id = *id};
}

std::string preview_key(const ConversationId& conversation_id) {
  return "conversation:preview:" + conversation_id.str();
}

Json preview_of(const Message& m) {
  std::string text = m.deleted() ? "" : m.content.value_or("");
  if (text.size() > kPreviewLength) {
    std::size_t cut = kPreviewLength;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut) + "\u2026";
  }
  return {{"message_id", m.message_id},
          {"seq", m.seq},
          {"sender_id", m.sender_id},
          {"message_type", to_string(m.type)},
          {"text", text},
          {"sent_at", m.sent_at},
          {"deleted", m.deleted()}};
}

// The image is the message's once sent: another message naming it is refused (deleting one would
// erase the other's picture).
Problem image_already_sent() {
  Problem p("validation-failed", "media_key names no unsent upload: upload the photo again to send it again");
  p.extensions["errors"] = Json::array({Json{{"field", "media_key"}, {"message", "was sent already"}}});
  return p;
}

}  // namespace

// A send refused by cannot_send (`refused`): a retry of a message stored before the close (`stored`)
// is answered with it, to its sender alone (they may have lost the ack just before the unmatch or
// block); anything else, and anything from the one who was blocked, is refused.
Service::Stored Service::after_close(const repository::Conversation& c, const UserId& user_id, const Message* stored,
                                     const Problem& refused) {
  if (stored && !cannot_read(c, user_id)) return StoredMessage{.message = *stored, .closed = true};
  return std::unexpected(refused);
}

Service::Service(Deps deps) : d_(std::move(deps)), events_(std::move(d_.events)) {
  notices_ = std::make_unique<GroupQueue<Notice>>(
      4096, [this](std::vector<Notice>& n) { record_notices(n); }, d_.notice_spacing);
  for (int i = 0; i < std::max(1, d_.send_lanes); ++i)
    lanes_.push_back(std::make_unique<GroupQueue<QueuedSend>>(
        d_.send_batch_max, [this](std::vector<QueuedSend>& batch) { flush_lane(batch); }));
}

Service::~Service() { stop(); }

void Service::stop() {
  for (auto& lane : lanes_) lane->close();  // their last batches may still queue notices
  notices_->close();
}

void Service::publish(const std::vector<UserId>& users, const Json& event) {
  if (auto sink = event_sink()) sink({Event{.user_ids = users, .event = event}});
}

Message Service::as_shown(Message m, Receipts receipts) {
  m.media_url = m.media_key ? d_.media.signed_url(*m.media_key, kMediaUrlTtl) : std::string();
  if (receipts == Receipts::withheld) m.read_at.reset();
  return m;
}

Service::Receipts Service::receipts_of(pqxx::work& tx, const repository::Conversation& c) {
  return repository::shares_receipts(tx, c) ? Receipts::shared : Receipts::withheld;
}

void Service::forget_previews(const std::vector<ConversationId>& conversations) {
  if (conversations.empty()) return;
  std::vector<std::string> del{"DEL"};
  for (const auto& id : conversations) del.push_back(preview_key(id));
  if (auto r = d_.redis.command(del); !r)
    log::warn("conversation_preview_invalidation_failed", {{"error", r.error().type}});
}

profiles::AfterAccountDeletion Service::before_account_deletion(pqxx::work& tx, const UserId& user_id) {
  auto departing = lock_conversations_of_departing(tx, user_id);
  return {.objects = std::move(departing.objects),
          .then = [this, conversations = std::move(departing.conversations)] { forget_previews(conversations); }};
}

Json Service::personal_data(pqxx::work& tx, const UserId& user_id) {
  constexpr auto kExportMediaTtl = std::chrono::hours(24);
  Json out = messaging::personal_data(tx, user_id);
  const std::string expires = iso8601(Clock::now() + kExportMediaTtl);
  for (auto& entry : out["messages_sent"])
    if (entry.contains("media_url") && entry["media_url"].is_string()) {
      entry["image_url"] = d_.media.signed_url(entry["media_url"].get<std::string>(), kExportMediaTtl);
      entry["image_url_expires_at"] = expires;
    }
  return out;
}

// The sender's first message here is a training example (docs/outcomes.md): a reply when the other
// wrote first within the reply window, else a first message. Known from the conversation row read
// under its lock, so any later message costs no statement.
void Service::record_first_message(pqxx::work& tx, const repository::Conversation& c, const UserId& sender) {
  const bool one = sender == c.user_1;
  if (one ? c.first_message_age_1 : c.first_message_age_2) return;
  const auto& theirs = one ? c.first_message_age_2 : c.first_message_age_1;
  const bool reply =
      theirs &&
      *theirs <= static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(d_.reply_window).count());
  outcomes::record(tx, {.decided_by = sender,
                        .about = c.other(sender),
                        .kind = reply ? outcomes::Kind::reply : outcomes::Kind::first_message,
                        .match_id = c.match_id,
                        .ranking = c.ranking});
}

Result<void> Service::check_media(const SendRequest& r) {
  if (r.input.type != MessageType::image) return {};
  // Only a photo the sender uploaded into this conversation, and still there.
  if (!r.input.media_key.starts_with("conversations/" + r.conversation_id.str() + "/" + r.user_id.str() + "-"))
    return std::unexpected(
        Problem("validation-failed", "media_key must be one POST .../media returned for this conversation"));
  const bool there = PM_TRY(d_.media.exists(r.input.media_key));
  if (!there) return std::unexpected(Problem("validation-failed", "media_key names no uploaded photo"));
  return {};
}

Result<SendResult> Service::send(const UserId& user_id, const ConversationId& conversation_id, const MessageInput& in,
                                 const std::string& app_version) {
  std::promise<Result<SendResult>> outcome;
  auto future = outcome.get_future();
  send_async({.user_id = user_id, .conversation_id = conversation_id, .input = in, .app_version = app_version},
             [&outcome](Result<SendResult> r) { outcome.set_value(std::move(r)); });
  return future.get();
}

void Service::send_async(SendRequest request, SendDone done) {
  if (auto media = check_media(request); !media) return done(std::unexpected(media.error()));
  // A conversation's sends always take the same lane, whose batches commit one after another.
  const auto lane = std::hash<std::string>{}(request.conversation_id.str()) % lanes_.size();
  QueuedSend queued{.request = std::move(request), .done = std::move(done)};
  auto refused = queued.done;  // (moved into the queue only when it takes it)
  if (!lanes_[lane]->push(std::move(queued)))
    refused(std::unexpected(Problem("database-unavailable", "the server is shutting down; send again shortly")));
}

// The senders are answered before the batch's events are published: a socket that sent a message
// has it from its ack, and so knows the live copy published to the sender (for their other
// devices) when it comes back, and does not send it again (realtime/socket.cpp).
void Service::flush_lane(std::vector<QueuedSend>& batch) {
  std::vector<SendRequest> requests;
  for (auto& q : batch) requests.push_back(std::move(q.request));
  Settled settled;
  try {
    settled = settle_batch(requests);
  } catch (const std::exception& e) {
    log::error("message_batch_exception", {{"exception", typeid(e).name()}});
    settled.outcomes.assign(batch.size(), std::unexpected(Problem("internal", "the message could not be sent")));
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(settled.outcomes[i]));
  publish_events(settled.events);
}

std::vector<Result<SendResult>> Service::send_batch(const std::vector<SendRequest>& requests) {
  auto settled = settle_batch(requests);
  publish_events(settled.events);
  return std::move(settled.outcomes);
}

Service::Settled Service::settle_batch(const std::vector<SendRequest>& requests) {
  std::vector<Stored> stored;
  try {
    stored = store_batch(requests);
  } catch (const std::exception& e) {
    // A statement failed (a message the checks let through and PostgreSQL refused, a lost
    // connection): nothing of the batch was stored. Each goes again on its own, so only the bad
    // one fails, and a retry lookup finds any that did commit after all (in doubt).
    log::warn("message_batch_failed", {{"messages", requests.size()}, {"exception", typeid(e).name()}});
    stored.clear();
  }
  // In doubt: the batch may have committed after all, and then each message below is found as a
  // "retry" of itself. Its preview and notification are then due as for a new one (a true retry
  // meeting a failed batch gets a second, coalesced notice: better than none).
  const bool in_doubt = stored.size() != requests.size();
  if (in_doubt) {
    stored.clear();
    for (const auto& r : requests) {
      try {
        stored.push_back(store_one(r));
      } catch (const std::exception& e) {
        log::warn("message_not_stored", {{"exception", typeid(e).name()}});
        stored.push_back(std::unexpected(Problem("internal", "the message could not be stored")));
      }
    }
  }
  // After the commit: notifications queued for the deferred step, and the outcomes and the events
  // to publish. (The cached previews need no drop: one describing an older last message is not
  // used, cached_previews.)
  Settled settled;
  auto& out = settled.outcomes;
  auto& events = settled.events;
  for (auto& s : stored) {
    if (!s) {
      out.push_back(std::unexpected(s.error()));
      continue;
    }
    const auto& [stored_message, created, closed, old] = *s;
    // A retry's ack never says when the message was read: sending one's messages again with their
    // client ids would otherwise tell whether they were read, whatever the other's setting.
    Message message = as_shown(stored_message, Receipts::withheld);
    if (!closed && (created || in_doubt)) {
      (void)notices_->push({.recipient_id = message.recipient_id,
                            .conversation_id = message.conversation_id,
                            .content = {{"conversation_id", message.conversation_id},
                                        {"message_id", message.message_id},
                                        {"sender_id", message.sender_id},
                                        {"preview", preview_of(message)["text"]}}});
    }
    // Published again for a retry too: the sender never saw the ack, perhaps because the node that
    // stored the message died between the commit and the publish, and then nobody heard of it live
    // (a peer on another node would only find it at its next resume). A socket that has it drops
    // the copy (it remembers what it sent); a client that holds its seq ignores it.
    // (A retry after the conversation closed, or of an old message: the sender's own devices only.)
    events.push_back(
        {.user_ids = closed || old ? std::vector<UserId>{message.sender_id}
                                   : std::vector<UserId>{message.sender_id, message.recipient_id},
         .event = {
             {"type", "message.new"}, {"conversation_id", message.conversation_id}, {"message", message.to_json()}}});
    out.push_back(SendResult{std::move(message), created});
  }
  return settled;
}

// The batch is committed: whatever publishing throws, each sender has their ack (a peer finds the
// message at its next resume, as when Redis is down) instead of an error for a stored message.
void Service::publish_events(const std::vector<Event>& events) {
  auto sink = event_sink();
  if (!sink || events.empty()) return;
  try {
    sink(events);
  } catch (const std::exception& e) {
    log::error("message_events_not_published", {{"events", events.size()}, {"exception", typeid(e).name()}});
  }
}

// The batch in one transaction, as the system: the senders are several users, so row-level
// security cannot say which one acts; each sender is checked against the conversation's two users
// here instead (what the policies would check), before anything is written.
std::vector<Service::Stored> Service::store_batch(const std::vector<SendRequest>& requests) {
  actor::Scope as_system(actor::Scope::system());
  std::vector<Stored> out(requests.size(), std::unexpected(no_such_conversation()));
  auto committed = db::transact(d_.db, [&](pqxx::work& tx) -> Result<bool> {
    std::vector<ConversationId> ids;
    for (const auto& r : requests) ids.push_back(r.conversation_id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    // Locked (in id order) for the transaction: the retry lookups below are race-free, and the
    // order numbers of concurrent batches never collide.
    std::map<ConversationId, repository::Conversation> conversations;
    for (auto& c : repository::lock_conversations(tx, ids)) conversations.emplace(c.conversation_id, std::move(c));
    auto member = [&](const SendRequest& r) -> repository::Conversation* {
      auto it = conversations.find(r.conversation_id);
      if (it == conversations.end() || (r.user_id != it->second.user_1 && r.user_id != it->second.user_2))
        return nullptr;
      return &it->second;
    };
    using Key = std::tuple<ConversationId, UserId, std::string>;
    auto key_of = [](const SendRequest& r) { return Key{r.conversation_id, r.user_id, r.input.client_message_id}; };
    std::vector<repository::ClientIdKey> keys;
    for (const auto& r : requests)
      if (member(r)) keys.push_back({r.conversation_id, r.user_id, r.input.client_message_id});
    std::map<Key, Message> earlier;  // stored before, by key
    for (auto& e : repository::by_client_ids(tx, keys))
      earlier.emplace(Key{e.message.conversation_id, e.message.sender_id, e.client_message_id}, std::move(e.message));

    // Which requests may be stored: the checks of a send, in the batch's order.
    std::vector<std::size_t> candidates;
    std::map<Key, std::size_t> first_in_batch;  // a retry within the batch answers as its original
    std::vector<std::optional<std::size_t>> same_as(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const auto& r = requests[i];
      auto* c = member(r);
      if (!c) continue;  // no_such_conversation, as initialised
      // After a block or an unmatch a retry is answered to its sender alone, else re-sending an
      // old client id would reach the other live, without a budget, forever; anything else is
      // refused like a new message.
      if (auto p = cannot_send(*c, r.user_id)) {
        auto it = earlier.find(key_of(r));
        out[i] = after_close(*c, r.user_id, it != earlier.end() ? &it->second : nullptr, *p);
        continue;
      }
      if (auto it = earlier.find(key_of(r)); it != earlier.end()) {
        out[i] = StoredMessage{.message = it->second, .old = retry_is_old(*c, it->second)};
        continue;
      }
      if (auto [it, fresh] = first_in_batch.emplace(key_of(r), i); !fresh) {
        same_as[i] = it->second;
        continue;
      }
      candidates.push_back(i);
    }
    // Sending is cheap to abuse (spam, a runaway client): a per-user budget shared by every node,
    // one round trip for the batch. After the retry lookup: a client re-sending what was stored is
    // never refused.
    std::vector<std::string> budget_keys;
    for (auto i : candidates) budget_keys.push_back("ratelimit:messages:" + requests[i].user_id.str());
    auto budget = cache::hit_many(d_.redis, budget_keys, d_.send_limit);
    std::vector<std::size_t> accepted;
    std::vector<repository::NewMessage> rows;
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      const auto i = candidates[k];
      const auto& r = requests[i];
      if (!budget) {
        out[i] = std::unexpected(budget.error());
        continue;
      }
      if (!(*budget)[k].allowed) {
        out[i] = std::unexpected(
            cache::too_many_requests("too many messages; wait before sending more", (*budget)[k].retry_after));
        continue;
      }
      if (r.input.type == MessageType::image && !repository::take_upload(tx, r.input.media_key)) {
        out[i] = std::unexpected(image_already_sent());
        continue;
      }
      auto* c = member(r);
      record_first_message(tx, *c, r.user_id);
      // Later messages of the batch see this one as the sender's first here (as one by one would).
      (r.user_id == c->user_1 ? c->first_message_age_1 : c->first_message_age_2) = 0.0;
      accepted.push_back(i);
      rows.push_back({.conversation = c, .sender_id = r.user_id, .input = &r.input, .app_version = r.app_version});
    }
    auto messages = repository::insert_messages(tx, rows);
    if (messages.size() != accepted.size()) throw std::runtime_error("a batch insert returned another count");
    for (std::size_t k = 0; k < accepted.size(); ++k)
      out[accepted[k]] = StoredMessage{.message = std::move(messages[k]), .created = true};
    for (std::size_t i = 0; i < requests.size(); ++i)
      if (same_as[i]) {
        const auto& original = out[*same_as[i]];
        out[i] = original ? Stored(StoredMessage{.message = original->message}) : original;
      }
    return true;
  });
  if (!committed) return {};  // (the caller sends each on its own)
  return out;
}

// One message in its own transaction as its sender (the batch's fallback).
Service::Stored Service::store_one(const SendRequest& r) {
  actor::Scope as_user(actor::Scope::user(r.user_id));
  return db::transact(d_.db, [&](pqxx::work& tx) -> Stored {
    // The row lock orders concurrent sends (and makes the client-id check below race-free).
    auto c = repository::conversation_for(tx, r.conversation_id, r.user_id, repository::Lock::send);
    if (!c) return std::unexpected(no_such_conversation());
    auto existing = repository::by_client_id(tx, r.conversation_id, r.user_id, r.input.client_message_id);
    if (auto p = cannot_send(*c, r.user_id)) return after_close(*c, r.user_id, existing ? &*existing : nullptr, *p);
    if (existing) return StoredMessage{.message = *existing, .old = retry_is_old(*c, *existing)};
    auto allowed = PM_TRY(cache::hit(d_.redis, "ratelimit:messages:" + r.user_id.str(), d_.send_limit));
    if (!allowed.allowed)
      return std::unexpected(
          cache::too_many_requests("too many messages; wait before sending more", allowed.retry_after));
    if (r.input.type == MessageType::image && !repository::take_upload(tx, r.input.media_key))
      return std::unexpected(image_already_sent());
    long long seq = repository::next_seq(tx, *c, r.user_id);
    Message m = repository::insert_message(tx, *c, r.user_id, seq, r.input, r.app_version);
    record_first_message(tx, *c, r.user_id);
    return StoredMessage{.message = m, .created = true};
  });
}

// The deferred step: message.new notifications, one per recipient and conversation for all the
// messages queued meanwhile (counted), in one transaction, then pushed live. Off the send path: a
// message is acked when it is stored; its notification follows a moment later. A crash in between
// loses the notification (never the message); the recipient still sees the unread message.
void Service::record_notices(std::vector<Notice>& notices) {
  std::vector<std::function<void()>> flushed;
  std::map<std::pair<UserId, ConversationId>, std::pair<Json, int>> grouped;  // last content, count
  for (auto& n : notices) {
    if (n.flushed) {
      flushed.push_back(std::move(n.flushed));
      continue;
    }
    auto& [content, count] = grouped[{n.recipient_id, n.conversation_id}];
    content = std::move(n.content);
    ++count;
  }
  std::vector<ConversationId> conversations;
  for (const auto& [key, value] : grouped) conversations.push_back(key.second);
  std::sort(conversations.begin(), conversations.end());
  conversations.erase(std::unique(conversations.begin(), conversations.end()), conversations.end());
  // Not for a conversation closed since (a block must leave no notification naming the other):
  // closed ones are skipped, and a close waits for this commit (and a block then removes what it wrote).
  auto record = [&](pqxx::work& tx) -> Result<notifications::Service::Recorded> {
    auto open = repository::lock_open_conversations(tx, conversations);
    std::sort(open.begin(), open.end());
    // A message deleted since it was sent is not quoted (its deletion waited for these locks, or
    // committed before them: Service::remove).
    std::vector<std::string> quoted;
    for (const auto& [key, value] : grouped)
      if (auto id = value.first.value("message_id", ""); !id.empty()) quoted.push_back(std::move(id));
    auto deleted = repository::deleted_among(tx, quoted);
    std::sort(deleted.begin(), deleted.end());
    std::vector<notifications::Service::Coalescing> groups;
    for (const auto& [key, value] : grouped)
      if (std::binary_search(open.begin(), open.end(), key.second)) {
        Json content = value.first;
        if (std::binary_search(deleted.begin(), deleted.end(), content.value("message_id", "")))
          content.erase("preview");
        groups.push_back(
            {.user_id = key.first, .group_key = key.second.str(), .content = content, .count = value.second});
      }
    return d_.notifications.record_coalesced_many(tx, notifications::Type::message_new, groups);
  };
  try {
    actor::Scope as_system(actor::Scope::system());
    auto recorded = grouped.empty() ? Result<notifications::Service::Recorded>() : db::transact_retrying(d_.db, record);
    if (!recorded)
      log::warn("message_notifications_not_recorded", {{"problem", recorded.error().type}, {"count", grouped.size()}});
    else
      d_.notifications.announce(*recorded);
  } catch (const std::exception& e) {
    log::warn("message_notifications_not_recorded", {{"exception", typeid(e).name()}, {"count", grouped.size()}});
  }
  for (auto& f : flushed) f();
}

void Service::flush_notifications() {
  // Everything queued before this marker is recorded when the marker is reached.
  std::promise<void> reached;
  auto future = reached.get_future();
  if (notices_->push({.flushed = [&reached] { reached.set_value(); }})) future.wait();
}

Result<History> Service::history(const UserId& user_id, const ConversationId& conversation_id,
                                 std::optional<long long> after, std::optional<long long> before, int limit,
                                 bool with_user) {
  return db::read(d_.db, [&](pqxx::work& tx) -> Result<History> {
    auto c = repository::conversation_for(tx, conversation_id, user_id);
    if (!c) return std::unexpected(no_such_conversation());
    if (auto p = cannot_read(*c, user_id)) return std::unexpected(*p);
    auto page = repository::messages(tx, *c, after, before, limit + 1);
    const bool more = static_cast<int>(page.size()) > limit;
    // The extra row tells whether another page exists in the direction read.
    if (more) {
      if (after)
        page.pop_back();
      else
        page.erase(page.begin());
    }
    History out{.conversation_id = conversation_id,
                .match_id = c->match_id,
                .user = with_user ? repository::user_summary(tx, c->other(user_id)) : Json(nullptr),
                .last_seq = c->last_seq,
                .has_more = more,
                .closed = c->closed_at.has_value() || c->blocker.has_value()};
    const auto receipts = receipts_of(tx, *c);
    for (auto& m : page) out.messages.push_back(as_shown(std::move(m), receipts));
    return out;
  });
}

Result<void> Service::typing(const UserId& user_id, const ConversationId& conversation_id) {
  auto other = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::optional<UserId>> {
    auto c = repository::conversation_for(tx, conversation_id, user_id);
    if (!c) return std::unexpected(no_such_conversation());
    if (auto p = cannot_send(*c, user_id)) return std::unexpected(*p);
    // Typing says "on the app now, in this chat": shared, like receipts, only when both share them.
    if (receipts_of(tx, *c) == Receipts::withheld) return std::nullopt;
    return c->other(user_id);
  }));
  if (!other) return {};
  // A client may send typing on every key press: the other hears of it at most every 2 s.
  auto first =
      d_.redis.command({"SET", "typing:" + user_id.str() + ":" + conversation_id.str(), "1", "NX", "PX", "2000"});
  if (first && first->is_nil()) return {};
  publish({*other}, {{"type", "typing"}, {"conversation_id", conversation_id}, {"user_id", user_id}});
  return {};
}

Result<ReadReceipt> Service::read(const UserId& user_id, const ConversationId& conversation_id,
                                  std::optional<long long> up_to_seq) {
  // Only a read that marked something is news: a receipt is pushed to every device of the other
  // person, and one sent again and again with nothing new filled a slow phone's queue until its
  // socket closed (and would tell a watching match each time the reader opens the chat). A
  // receipt whose push the sender missed while reconnecting is in the messages' read_at, which the
  // app reads again after a reconnect.
  auto marked = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<repository::Marked> {
    // Locked against a close until this commits: a block's close waits for the read.
    auto c = repository::conversation_for(tx, conversation_id, user_id, repository::Lock::close);
    if (!c) return std::unexpected(no_such_conversation());
    if (auto p = cannot_read(*c, user_id)) return std::unexpected(*p);
    // After a close, reading stamps nothing: the other would see their messages' read_at move.
    if (cannot_send(*c, user_id))
      return repository::Marked{.read_up_to = repository::read_up_to(tx, conversation_id, user_id)};
    const auto receipts = receipts_of(tx, *c);
    auto marked = repository::mark_read(tx, conversation_id, user_id, up_to_seq.value_or(c->last_seq),
                                        receipts == Receipts::withheld);
    // Published under the lock, before the commit: the close that waits for it publishes its own
    // event after its commit, so the receipt always reaches the other first. (Published after this
    // commit, the close right behind it could overtake it under load.) Should the commit then fail,
    // the receipt came early: the reader's next read stamps the same messages.
    // (The reader's own devices always hear of it: their unread counts follow.)
    if (marked.any)
      publish(receipts == Receipts::shared ? told_of(*c, user_id) : std::vector<UserId>{user_id},
              {{"type", "message.read"},
               {"conversation_id", conversation_id},
               {"reader_id", user_id},
               {"read_up_to", marked.read_up_to}});
    return marked;
  }));
  return ReadReceipt{.conversation_id = conversation_id, .read_up_to = marked.read_up_to};
}

Result<Message> Service::react(const UserId& user_id, const MessageId& message_id, const ReactionInput& in) {
  Receipts receipts = Receipts::withheld;
  auto done = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<Message> {
    auto m = repository::message(tx, message_id);
    if (!m) return std::unexpected(no_such_message());
    auto c = repository::conversation_for(tx, m->conversation_id, user_id, repository::Lock::send);
    if (!c) return std::unexpected(no_such_message());
    if (auto p = cannot_send(*c, user_id)) return std::unexpected(*p);
    receipts = receipts_of(tx, *c);
    if (m->deleted()) return std::unexpected(Problem("message-deleted", "the message was deleted"));
    // Each reaction is an event pushed to the other person's devices: a budget per user.
    PM_TRY(cache::enforce(d_.redis, "ratelimit:reactions:" + user_id.str(), d_.reaction_limit, "reactions"));
    m = repository::message(tx, message_id);  // again, under the conversation's lock
    // One of each emoji per user: adding twice changes nothing, removing what is not there neither.
    Json reactions = Json::array();
    bool present = false;
    for (const auto& r : m->reactions) {
      const bool mine = r.value("userId", "") == user_id.str() && r.value("reaction", "") == in.emoji;
      present = present || mine;
      if (!(mine && !in.add)) reactions.push_back(r);
    }
    if (in.add && !present && std::ranges::count_if(reactions, [&](const Json& r) {
                                return r.value("userId", "") == user_id.str();
                              }) >= static_cast<std::ptrdiff_t>(kMaxReactionsPerUser)) {
      Problem p("validation-failed", fmt::format("at most {} reactions of yours on one message", kMaxReactionsPerUser));
      p.extensions["errors"] = Json::array({{{"field", "emoji"}, {"message", "take one of yours back first"}}});
      return std::unexpected(p);
    }
    if (in.add && !present)
      reactions.push_back({{"userId", user_id}, {"reaction", in.emoji}, {"createdAt", iso8601(Clock::now())}});
    repository::set_reactions(tx, message_id, reactions);
    m->reactions = reactions;
    return *m;
  }));
  Json event = {{"type", "reaction"},         {"conversation_id", done.conversation_id},
                {"message_id", message_id},   {"user_id", user_id},
                {"emoji", in.emoji},          {"action", in.add ? "add" : "remove"},
                {"reactions", done.reactions}};
  publish({done.sender_id, done.recipient_id}, event);
  return as_shown(std::move(done), receipts);
}

Result<Message> Service::remove(const UserId& user_id, const MessageId& message_id) {
  Receipts receipts = Receipts::withheld;
  auto [done, told] =
      PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::pair<Message, std::vector<UserId>>> {
        auto m = repository::message(tx, message_id);
        if (!m || m->sender_id != user_id) return std::unexpected(no_such_message());  // only the sender deletes
        // Before the deletion, the conversation: a notification being recorded for it is committed
        // first (and its words are taken out below), or is recorded after this and leaves them out.
        // Read once locked: a block or unmatch committed while this waited decides whom it is told to.
        repository::lock_conversation(tx, m->conversation_id);
        auto c = repository::conversation_for(tx, m->conversation_id, user_id);
        if (!c || cannot_read(*c, user_id)) return std::unexpected(no_such_message());
        receipts = receipts_of(tx, *c);
        // Deleted already, before or by a deletion at the same moment (two taps, two devices): said
        // once, not again (each deletion is pushed to the other's devices), its image removed once.
        if (m->deleted() || !repository::mark_deleted(tx, message_id)) {
          auto as_deleted = repository::message(tx, message_id);
          if (!as_deleted) return std::unexpected(no_such_message());
          return std::pair{*as_deleted, std::vector<UserId>{}};
        }
        m->metadata["isDeleted"] = true;
        d_.notifications.forget_message_preview(tx, m->recipient_id, message_id.str());
        if (m->media_key) profiles::Photos::queue_removal(tx, {*m->media_key});
        return std::pair{*m, told_of(*c, user_id)};
      }));
  if (told.empty()) return as_shown(std::move(done), receipts);  // deleted before: nothing to remove or tell
  // The image goes too, once the row no longer names it; should the store refuse now, the removal
  // queued with the deletion takes it later (never a dangling row, nor an orphan for good).
  if (done.media_key) {
    if (auto gone = d_.media.remove(*done.media_key); !gone)
      log::warn("message_image_not_removed", {{"problem", gone.error().type}});
    done.media_key.reset();
  }
  done.content.reset();
  forget_previews({done.conversation_id});
  Message message = as_shown(std::move(done), receipts);
  publish(told,
          {{"type", "message.deleted"}, {"conversation_id", message.conversation_id}, {"message", message.to_json()}});
  return message;
}

Result<UploadedMedia> Service::upload_media(const UserId& user_id, const ConversationId& conversation_id,
                                            std::string_view bytes) {
  PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<bool> {
    auto c = repository::conversation_for(tx, conversation_id, user_id);
    if (!c) return std::unexpected(no_such_conversation());
    if (auto p = cannot_send(*c, user_id)) return std::unexpected(*p);
    return true;
  }));
  PM_TRY(cache::enforce(d_.redis, media::upload_limit_key(user_id.str()), d_.upload_limit, "image uploads"));
  auto photo = PM_TRY(media::process_photo(bytes));  // type from the bytes, size limits, no metadata survives
  const std::string key =
      fmt::format("conversations/{}/{}-{}.jpg", conversation_id.str(), user_id.str(), crypto::uuid_v4());
  PM_TRY(d_.media.put(key, photo.display_jpeg, "image/jpeg"));
  // Recorded, so that an image never sent is found and deleted (delete_unsent_uploads). Under the
  // conversation's lock, as an account's deletion takes it: either the deletion finds this row and
  // removes the image, or this finds the conversation gone (or closed meanwhile) and removes it.
  // Without the lock the insert failed its foreign key (a 500) and the image stayed for good.
  auto recorded = db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    auto c = repository::conversation_for(tx, conversation_id, user_id, repository::Lock::send);
    if (!c) return std::unexpected(no_such_conversation());
    if (auto p = cannot_send(*c, user_id)) return std::unexpected(*p);
    repository::record_upload(tx, key, user_id, conversation_id);
    return {};
  });
  if (!recorded) {
    if (auto gone = d_.media.remove(key); !gone) log::warn("chat_upload_not_removed", {{"error", gone.error().type}});
    return std::unexpected(recorded.error());
  }
  return UploadedMedia{
      .media_key = key, .url = d_.media.signed_url(key, kMediaUrlTtl), .width = photo.width, .height = photo.height};
}

// The last messages' previews, from Redis in one round trip when cached. A cached preview counts
// only while it describes the last message as the list just read it (the same message, deleted or
// not): a list read that a deletion overtook may write the words back after the deletion dropped
// them, and that preview is then never shown, only replaced. The misses are read from PostgreSQL
// in one statement and cached in one round trip; Redis failing leaves every preview to PostgreSQL.
Result<std::vector<Json>> Service::cached_previews(const std::vector<repository::ConversationRow>& rows) {
  std::vector<Json> out(rows.size());  // null: a conversation without messages
  if (rows.empty()) return out;
  std::vector<std::string> mget{"MGET"};
  for (const auto& r : rows) mget.push_back(preview_key(r.conversation.conversation_id));
  auto cached = d_.redis.command(mget);
  const bool redis_answered = cached && !cached->is_error() && cached->size() == rows.size();
  std::vector<std::size_t> misses;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& last = rows[i].last;
    if (!last) continue;
    if (redis_answered) {
      auto held = cached->element(i);
      if (!held.is_nil()) {
        auto preview = Json::parse(held.str(), nullptr, false);
        if (preview.is_object() && preview.value("message_id", "") == last->message_id.str() &&
            preview.value("deleted", !last->deleted) == last->deleted) {
          out[i] = std::move(preview);
          continue;
        }
      }
    }
    misses.push_back(i);
  }
  if (misses.empty()) return out;
  std::vector<ConversationId> missing;
  for (auto i : misses) missing.push_back(rows[i].conversation.conversation_id);
  // On the primary: never older than the list's own read (a lagging replica could give an older
  // last message than the one the list named).
  auto found = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::map<ConversationId, Message>> {
    return repository::last_messages(tx, missing);
  }));
  std::vector<std::vector<std::string>> fills;
  for (auto i : misses) {
    auto it = found.find(rows[i].conversation.conversation_id);
    if (it == found.end()) continue;  // gone since the list's read (the retention's deletion)
    out[i] = preview_of(it->second);
    fills.push_back({"SET", preview_key(rows[i].conversation.conversation_id), out[i].dump(), "EX",
                     std::to_string(d_.preview_ttl.count())});
  }
  if (redis_answered && !fills.empty())
    if (auto r = d_.redis.pipeline(fills); !r)
      log::warn("conversation_preview_fill_failed", {{"error", r.error().type}});
  return out;
}

Result<ConversationPage> Service::conversations(const UserId& user_id, const std::optional<std::string>& cursor,
                                                int limit) {
  std::optional<repository::ConversationCursor> after;
  if (cursor) {
    after = conversation_cursor(*cursor);
    if (!after) return std::unexpected(Problem("validation-failed", "cursor is not one this API handed out"));
  }
  auto rows = PM_TRY(db::read(d_.db, [&](pqxx::work& tx) -> Result<std::vector<repository::ConversationRow>> {
    return repository::conversations(tx, user_id, after, limit + 1);
  }));
  const bool more = static_cast<int>(rows.size()) > limit;
  if (more) rows.pop_back();
  ConversationPage out;
  auto previews = PM_TRY(cached_previews(rows));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const Json& preview = previews[i];
    out.conversations.push_back({.conversation_id = r.conversation.conversation_id,
                                 .match_id = r.conversation.match_id,
                                 .user = r.other,
                                 .last_message = preview,
                                 .last_message_at = r.conversation.last_message_at,
                                 .unread_count = r.unread,
                                 .closed = r.conversation.closed_at.has_value() || r.conversation.blocker.has_value()});
  }
  if (more && !rows.empty())
    out.next_cursor = fmt::format("{}_{}", rows.back().last_message_us, rows.back().conversation.conversation_id.str());
  return out;
}

void Service::close_between(const UserId& a, const UserId& b, CloseReason reason) {
  auto closed_id = db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::optional<ConversationId>> {
    return repository::close_between(tx, a, b, reason, a);
  });
  if (!closed_id) {
    log::warn("conversation_close_failed", {{"error", closed_id.error().type}});
    return;
  }
  if (*closed_id) {
    auto closed = [&](CloseReason said) {
      return Json{{"type", "conversation.closed"}, {"conversation_id", **closed_id}, {"reason", to_string(said)}};
    };
    publish({a}, closed(reason));
    publish({b}, closed(CloseReason::unmatched));
  }
}

std::function<void()> Service::close_conversations_of_banned(pqxx::work& tx, const UserId& banned) {
  return [this, closed = repository::close_all_of(tx, banned)] {
    for (const auto& c : closed)
      publish({c.other_id}, {{"type", "conversation.closed"},
                             {"conversation_id", c.conversation_id},
                             {"reason", to_string(CloseReason::unmatched)}});
  };
}

// After the rows that named them are gone (committed): the quick path; their transaction queued the
// worker's removal (profiles::Photos::queue_removal) for a store that refuses now, or a crash.
void Service::remove_media(const std::vector<std::string>& keys, std::string_view not_removed_event) {
  for (const auto& key : keys)
    if (auto r = d_.media.remove(key); !r) log::warn(not_removed_event, {{"error", r.error().type}});
}

Result<int> Service::delete_in_batches(const std::function<repository::DeletedBatch(pqxx::work&, int)>& delete_batch,
                                       std::string_view media_not_removed_event) {
  constexpr int kBatch = 500;  // rows per transaction: short locks, bounded memory
  // A round's share: a backlog (retention shortened, the worker stopped for weeks) deleted whole
  // here held up the round's notifications and mail for as long as it took.
  constexpr auto kRoundBudget = std::chrono::seconds(10);
  const auto until = std::chrono::steady_clock::now() + kRoundBudget;
  int total = 0;
  for (;;) {
    auto batch = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<repository::DeletedBatch> {
      auto deleted = delete_batch(tx, kBatch);
      profiles::Photos::queue_removal(tx, deleted.media_keys);  // (as a message's deletion)
      return deleted;
    }));
    remove_media(batch.media_keys, media_not_removed_event);
    total += batch.rows;
    if (batch.rows < kBatch || std::chrono::steady_clock::now() >= until) return total;
  }
}

Result<int> Service::delete_unsent_uploads(int hours) {
  return delete_in_batches(
      [hours](pqxx::work& tx, int limit) { return repository::delete_unsent_uploads(tx, hours, limit); },
      "chat_upload_not_removed");
}

Result<int> Service::delete_expired(int days) {
  // The months wholly past retention go whole (no row-by-row delete, no bloat); batches take the
  // rest: the month that straddles the cutoff, and any rows in the default partition.
  auto months = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<repository::DeletedBatch> {
    // Detaching a month locks messages and their documents against every send until this commits;
    // queued behind a long read, the wait itself holds every send up: at most a second (the sends'
    // own locks last milliseconds), else this step is tried again at the next round, a minute on.
    db::bound_lock_waits(tx, std::chrono::seconds(1));
    db::allow_long_statements(tx);  // counting a month of messages, and their photos' keys
    auto dropped = repository::drop_expired_months(tx, days);
    profiles::Photos::queue_removal(tx, dropped.media_keys);
    return dropped;
  }));
  remove_media(months.media_keys, "message_media_not_removed");
  const int rest = PM_TRY(
      delete_in_batches([days](pqxx::work& tx, int limit) { return repository::delete_older_than(tx, days, limit); },
                        "message_media_not_removed"));
  return months.rows + rest;
}

}  // namespace pm::messaging
