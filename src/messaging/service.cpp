#include "messaging/service.hpp"

#include <charconv>

#include <fmt/format.h>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "db/transaction.hpp"
#include "media/photo.hpp"
#include "messaging/repository.hpp"
#include "outcomes/service.hpp"

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
  if (c.blocker || c.closed_at) return closed("this conversation is closed; no more messages can be sent");
  if (!c.match_active) return closed("messages can be sent only in an active match (both liked)");
  return std::nullopt;
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

}  // namespace

void Service::publish(const std::vector<UserId>& users, const Json& event) {
  if (!d_.events) return;
  std::vector<std::string> ids;
  for (const auto& user : users) ids.push_back(user.str());
  d_.events(ids, event);
}

Message Service::with_signed_url(Message m) {
  m.media_url = m.media_key ? d_.media.signed_url(*m.media_key, kMediaUrlTtl) : std::string();
  return m;
}

void Service::forget_preview(const ConversationId& conversation_id) {
  if (auto r = d_.redis.command({"DEL", preview_key(conversation_id)}); !r)
    log::warn("conversation_preview_invalidation_failed", {{"error", r.error().type}});
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

Result<SendResult> Service::send(const UserId& user_id, const ConversationId& conversation_id, const MessageInput& in,
                                 const std::string& app_version) {
  if (in.type == MessageType::image) {
    // Only a photo the sender uploaded into this conversation, and still there.
    if (!in.media_key.starts_with("conversations/" + conversation_id.str() + "/" + user_id.str() + "-"))
      return std::unexpected(
          Problem("validation-failed", "media_key must be one POST .../media returned for this conversation"));
    const bool there = PM_TRY(d_.media.exists(in.media_key));
    if (!there) return std::unexpected(Problem("validation-failed", "media_key names no uploaded photo"));
  }
  std::optional<Json> notification;
  auto stored = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::pair<Message, bool>> {
    // The row lock orders concurrent sends (and makes the client-id check below race-free).
    auto c = repository::conversation_for(tx, conversation_id, user_id, true);
    if (!c) return std::unexpected(no_such_conversation());
    if (auto existing = repository::by_client_id(tx, conversation_id, user_id, in.client_message_id))
      return std::pair{*existing, false};
    if (auto p = cannot_send(*c, user_id)) return std::unexpected(*p);
    // Sending is cheap to abuse (spam, a runaway client): a per-user budget shared by every node.
    // Checked after the retry lookup, so a client re-sending what was stored is never refused.
    auto allowed = PM_TRY(cache::hit(d_.redis, "ratelimit:messages:" + user_id.str(), d_.send_limit));
    if (!allowed.allowed)
      return std::unexpected(
          cache::too_many_requests("too many messages; wait before sending more", allowed.retry_after));
    long long seq = repository::next_seq(tx, *c, user_id);
    Message m = repository::insert_message(tx, *c, user_id, seq, in, app_version);
    record_first_message(tx, *c, user_id);
    if (m.media_key) repository::forget_upload(tx, *m.media_key);  // sent: the image is the message's now
    // One unread notification per conversation, however many messages arrive before it is read.
    notification = d_.notifications.record_coalesced(tx, m.recipient_id.str(), notifications::Type::message_new,
                                                     conversation_id.str(),
                                                     {{"conversation_id", conversation_id},
                                                      {"message_id", m.message_id},
                                                      {"sender_id", user_id},
                                                      {"preview", preview_of(m)["text"]}});
    return std::pair{m, true};
  }));
  const auto& [stored_message, created] = stored;
  Message message = with_signed_url(stored_message);
  if (created) forget_preview(conversation_id);
  // Published again for a retry too: the sender never saw the ack, perhaps because the node that
  // stored the message died between the commit and the publish, and then nobody heard of it live
  // (a peer on another node would only find it at its next resume). A socket that has it drops the
  // copy (it remembers what it sent); a client that holds its seq ignores it.
  publish({message.sender_id, message.recipient_id},
          {{"type", "message.new"}, {"conversation_id", conversation_id}, {"message", message.to_json()}});
  if (created && notification) d_.notifications.announce(message.recipient_id.str(), *notification);
  return SendResult{std::move(message), created};
}

Result<History> Service::history(const UserId& user_id, const ConversationId& conversation_id,
                                 std::optional<long long> after, std::optional<long long> before, int limit) {
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
                .last_seq = c->last_seq,
                .has_more = more,
                .closed = c->closed_at.has_value() || c->blocker.has_value()};
    for (auto& m : page) out.messages.push_back(with_signed_url(std::move(m)));
    return out;
  });
}

Result<void> Service::typing(const UserId& user_id, const ConversationId& conversation_id) {
  auto other = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<UserId> {
    auto c = repository::conversation_for(tx, conversation_id, user_id);
    if (!c) return std::unexpected(no_such_conversation());
    if (auto p = cannot_send(*c, user_id)) return std::unexpected(*p);
    return c->other(user_id);
  }));
  // A client may send typing on every key press: the other hears of it at most every 2 s.
  auto first =
      d_.redis.command({"SET", "typing:" + user_id.str() + ":" + conversation_id.str(), "1", "NX", "PX", "2000"});
  if (first && first->is_nil()) return {};
  publish({other}, {{"type", "typing"}, {"conversation_id", conversation_id}, {"user_id", user_id}});
  return {};
}

Result<ReadReceipt> Service::read(const UserId& user_id, const ConversationId& conversation_id,
                                  std::optional<long long> up_to_seq) {
  auto [conversation, read_up_to] =
      PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<std::pair<repository::Conversation, long long>> {
        auto c = repository::conversation_for(tx, conversation_id, user_id);
        if (!c) return std::unexpected(no_such_conversation());
        if (auto p = cannot_read(*c, user_id)) return std::unexpected(*p);
        return std::pair{*c, repository::mark_read(tx, conversation_id, user_id, up_to_seq.value_or(c->last_seq))};
      }));
  Json event = {{"type", "message.read"},
                {"conversation_id", conversation_id},
                {"reader_id", user_id},
                {"read_up_to", read_up_to}};
  publish({conversation.other(user_id), user_id}, event);
  forget_preview(conversation_id);
  return ReadReceipt{.conversation_id = conversation_id, .read_up_to = read_up_to};
}

Result<Message> Service::react(const UserId& user_id, const MessageId& message_id, const ReactionInput& in) {
  auto done = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<Message> {
    auto m = repository::message(tx, message_id);
    if (!m) return std::unexpected(no_such_message());
    auto c = repository::conversation_for(tx, m->conversation_id, user_id, true);
    if (!c) return std::unexpected(no_such_message());
    if (auto p = cannot_send(*c, user_id)) return std::unexpected(*p);
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
  return with_signed_url(std::move(done));
}

Result<Message> Service::remove(const UserId& user_id, const MessageId& message_id) {
  auto done = PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<Message> {
    auto m = repository::message(tx, message_id);
    if (!m || m->sender_id != user_id) return std::unexpected(no_such_message());  // only the sender deletes
    auto c = repository::conversation_for(tx, m->conversation_id, user_id);
    if (!c || cannot_read(*c, user_id)) return std::unexpected(no_such_message());
    repository::mark_deleted(tx, message_id);
    m->metadata["isDeleted"] = true;
    return *m;
  }));
  // The image goes too, once the row no longer names it (a failure leaves an orphan, never a dangling row).
  if (done.media_key) {
    if (auto gone = d_.media.remove(*done.media_key); !gone)
      log::warn("message_image_not_removed", {{"problem", gone.error().type}});
    done.media_key.reset();
  }
  done.content.reset();
  forget_preview(done.conversation_id);
  Message message = with_signed_url(std::move(done));
  publish({message.sender_id, message.recipient_id},
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
  // Recorded, so that an image never sent is found and deleted (delete_unsent_uploads).
  PM_TRY(db::transact(d_.db, [&](pqxx::work& tx) -> Result<void> {
    repository::record_upload(tx, key, user_id, conversation_id);
    return {};
  }));
  return UploadedMedia{
      .media_key = key, .url = d_.media.signed_url(key, kMediaUrlTtl), .width = photo.width, .height = photo.height};
}

Result<ConversationPage> Service::conversations(const UserId& user_id, const std::optional<std::string>& cursor,
                                                int limit) {
  std::optional<std::pair<std::string, std::string>> after;
  if (cursor) {
    auto sep = cursor->rfind('_');
    if (sep == std::string::npos || !crypto::is_uuid(cursor->substr(sep + 1)) || sep < 20)
      return std::unexpected(Problem("validation-failed", "cursor is not one this API handed out"));
    after = std::pair{cursor->substr(0, sep), cursor->substr(sep + 1)};
  }
  auto rows = PM_TRY(db::read(d_.db, [&](pqxx::work& tx) -> Result<std::vector<repository::ConversationRow>> {
    return repository::conversations(tx, user_id, after, limit + 1);
  }));
  const bool more = static_cast<int>(rows.size()) > limit;
  if (more) rows.pop_back();
  ConversationPage out;
  for (const auto& r : rows) {
    // The last message's preview comes from Redis when cached (dropped on every change).
    Json preview = nullptr;
    auto cached = d_.redis.command({"GET", preview_key(r.conversation.conversation_id)});
    if (cached && !cached->is_nil() && !cached->is_error()) preview = Json::parse(cached->str(), nullptr, false);
    if (preview.is_discarded() || preview.is_null()) {
      preview = r.last ? preview_of(*r.last) : Json(nullptr);
      if (cached)
        d_.redis.command({"SET", preview_key(r.conversation.conversation_id), preview.dump(), "EX",
                          std::to_string(d_.preview_ttl.count())});
    }
    out.conversations.push_back({.conversation_id = r.conversation.conversation_id,
                                 .match_id = r.conversation.match_id,
                                 .user = r.other,
                                 .last_message = preview,
                                 .last_message_at = r.conversation.last_message_at,
                                 .unread_count = r.unread,
                                 .closed = r.conversation.closed_at.has_value() || r.conversation.blocker.has_value()});
  }
  if (more && !rows.empty())
    out.next_cursor = rows.back().conversation.last_message_at + "_" + rows.back().conversation.conversation_id.str();
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
    forget_preview(**closed_id);
    publish({a, b}, {{"type", "conversation.closed"}, {"conversation_id", **closed_id}, {"reason", to_string(reason)}});
  }
}

// After the rows that named them are gone (committed): a crash in between leaves an orphaned
// object, never a message pointing at a missing one.
void Service::remove_media(const std::vector<std::string>& keys, std::string_view not_removed_event) {
  for (const auto& key : keys)
    if (auto r = d_.media.remove(key); !r) log::warn(not_removed_event, {{"error", r.error().type}});
}

Result<int> Service::delete_in_batches(const std::function<repository::DeletedBatch(pqxx::work&, int)>& delete_batch,
                                       std::string_view media_not_removed_event) {
  constexpr int kBatch = 500;  // rows per transaction: short locks, bounded memory
  int total = 0;
  for (;;) {
    auto batch = PM_TRY(db::transact(
        d_.db, [&](pqxx::work& tx) -> Result<repository::DeletedBatch> { return delete_batch(tx, kBatch); }));
    remove_media(batch.media_keys, media_not_removed_event);
    total += batch.rows;
    if (batch.rows < kBatch) return total;
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
    return repository::drop_expired_months(tx, days);
  }));
  remove_media(months.media_keys, "message_media_not_removed");
  const int rest = PM_TRY(
      delete_in_batches([days](pqxx::work& tx, int limit) { return repository::delete_older_than(tx, days, limit); },
                        "message_media_not_removed"));
  return months.rows + rest;
}

}  // namespace pm::messaging
