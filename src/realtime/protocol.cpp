#include "realtime/protocol.hpp"

#include <set>

#include "core/crypto.hpp"
#include "core/validation.hpp"

namespace pm::realtime {

namespace {

Json ack(const Json& id, Json fields = Json::object()) {
  fields["type"] = "ack";
  fields["id"] = id;
  return fields;
}

Problem frame_problem(std::string detail) { return Problem("invalid-frame", std::move(detail)); }

// The frame without the envelope fields, as the REST body of the same operation.
Json body_of(const Json& frame, std::initializer_list<std::string_view> envelope) {
  Json body = frame;
  for (auto key : envelope) body.erase(std::string(key));
  return body;
}

// The frame's conversation_id: one that is no id names nothing of the user's either.
Result<ConversationId> conversation_of(const Json& frame) {
  auto conversation_id = ConversationId::parse(string_member(frame, "conversation_id"));
  if (!conversation_id) return std::unexpected(messaging::no_such_conversation());
  return *conversation_id;
}

}  // namespace

Json Protocol::error_frame(const Json& id, const Problem& problem) {
  return {{"type", "error"},
          {"id", id},
          {"problem",
           {{"status", problem.status},
            {"type", Problem::type_uri(problem.type)},
            {"title", problem.title},
            {"detail", problem.detail}}}};
}

std::optional<std::size_t> Protocol::resume_conversations(std::string_view frame) {
  auto json = parse_json(frame);
  if (!json || !json->is_object() || string_member(*json, "type") != "resume") return std::nullopt;
  const auto named = json->find("conversations");
  return named != json->end() && named->is_object() ? named->size() : 0;
}

void Protocol::handle_async(const UserId& user, std::string_view text, std::function<void(Outcome)> done) {
  auto parsed = parse_json(text);  // (nesting too deep is refused like any malformed frame)
  if (!parsed || !parsed->is_object())
    return done({.reply = error_frame(nullptr, frame_problem("a frame is one JSON object"))});
  Json& frame = *parsed;
  const Json id = frame.contains("id") ? frame["id"] : Json(nullptr);
  if (!id.is_string() || id.get_ref<const std::string&>().empty() || id.get_ref<const std::string&>().size() > 64)
    return done({.reply = error_frame(nullptr, frame_problem("id must be a string of 1-64 characters"))});
  if (!frame["type"].is_string()) return done({.reply = error_frame(id, frame_problem("type must be a string"))});
  if (frame["type"] != "message.send") return done(handle_now(user, frame, id));
  auto in = messaging::MessageInput::parse(body_of(frame, {"type", "id", "conversation_id"}));
  if (!in) return done({.reply = error_frame(id, in.error())});
  auto conversation_id = conversation_of(frame);
  if (!conversation_id) return done({.reply = error_frame(id, conversation_id.error())});
  messaging_.send_async({.user_id = user, .conversation_id = *conversation_id, .input = std::move(*in)},
                        [id, done = std::move(done)](Result<messaging::SendResult> sent) {
                          if (!sent) return done({.reply = error_frame(id, sent.error())});
                          done({.reply = ack(id, {{"message", sent->message.to_json()}, {"created", sent->created}})});
                        });
}

// The frames answered at once: typing, read and resume.
Outcome Protocol::handle_now(const UserId& user, const Json& frame, const Json& id) {
  const std::string type = frame["type"];
  auto conversation = [&] { return conversation_of(frame); };

  if (type == "typing") {
    auto conversation_id = conversation();
    if (!conversation_id) return {.reply = error_frame(id, conversation_id.error())};
    auto done = messaging_.typing(user, *conversation_id);
    return {.reply = done ? ack(id) : error_frame(id, done.error())};
  }
  if (type == "read") {
    std::optional<long long> up_to;
    if (frame.contains("up_to_seq")) {
      if (!frame["up_to_seq"].is_number_integer() || frame["up_to_seq"].get<long long>() < 0)
        return {.reply = error_frame(id, frame_problem("up_to_seq must be a non-negative integer"))};
      up_to = frame["up_to_seq"].get<long long>();
    }
    auto conversation_id = conversation();
    if (!conversation_id) return {.reply = error_frame(id, conversation_id.error())};
    auto read = messaging_.read(user, *conversation_id, up_to);
    return {.reply = read ? ack(id, read->to_json()) : error_frame(id, read.error())};
  }
  if (type == "resume") return resume(user, frame);
  return {.reply = error_frame(id, frame_problem("type must be message.send, typing, read or resume"))};
}

Outcome Protocol::resume(const UserId& user, const Json& frame) {
  const Json& id = frame["id"];
  const Json& cursors = frame.contains("conversations") ? frame["conversations"] : Json(nullptr);
  if (!cursors.is_object() || cursors.size() > kMaxResumeConversations)
    return {.reply = error_frame(
                id, frame_problem("conversations must be an object of at most 200 conversation_id: last_seq"))};
  // Each conversation once, by its canonical id: the same one spelt in other cases would be replayed
  // (and queried) once per spelling, and the socket's memory of what it sent keyed by each.
  std::vector<std::pair<ConversationId, long long>> asked;
  std::set<std::string> seen;
  for (const auto& [conversation, seq] : cursors.items()) {
    auto parsed = ConversationId::parse(conversation);
    if (!parsed || !seq.is_number_integer() || seq.get<long long>() < 0)
      return {.reply = error_frame(id, frame_problem("each conversation_id maps to the last seq seen (0 for none)"))};
    if (!seen.insert(parsed->str()).second)
      return {.reply = error_frame(id, frame_problem("each conversation may be named once"))};
    asked.emplace_back(std::move(*parsed), seq.get<long long>());
  }

  Outcome out;
  Json resume_from = Json::object();  // conversation -> the last seq replayed (or the client's own)
  // Conversations the user can no longer read (the other deleted their account, or blocked them):
  // named back so the client stops asking, while the others are replayed. Failing the whole resume
  // for one of them replayed nothing at every reconnect.
  Json gone = Json::array();
  bool more = false;
  Json unfinished = Json::object();  // of resume_from, the conversations not replayed to their end
  for (const auto& [conversation_id, seq] : asked) {
    const std::string& conversation = conversation_id.str();
    long long after = seq;
    bool readable = true;
    for (bool page_more = true; page_more;) {
      const std::size_t room = max_replay_ - out.replay.size();
      if (room == 0) {
        more = true;
        unfinished[conversation] = after;
        break;
      }
      const int page_size = static_cast<int>(std::min<std::size_t>(room, kReplayPage));
      auto page = messaging_.history(user, conversation_id, after, std::nullopt, page_size);
      if (!page && page.error().type == "not-found") {
        gone.push_back(conversation);
        readable = false;
        break;
      }
      if (!page) return {.reply = error_frame(id, page.error())};
      for (const auto& message : page->messages) {
        after = message.seq;
        out.replay.push_back(
            {{"type", "message.new"}, {"conversation_id", conversation}, {"message", message.to_json()}});
      }
      page_more = page->has_more;
    }
    if (readable) resume_from[conversation] = after;
  }
  // With more to come, the next resume need name only the conversations that have more.
  out.reply = ack(id, {{"replayed", out.replay.size()},
                       {"more", more},
                       {"resume_from", more ? unfinished : resume_from},
                       {"gone", gone}});
  return out;
}

}  // namespace pm::realtime
