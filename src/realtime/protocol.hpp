#pragma once
// What a client's frame on the socket does (docs/realtime.md): message.send, typing, read and
// resume, each answered by one ack or error frame carrying the client's id. Runs on the handler
// pool (it calls the Messaging Service, so PostgreSQL); the socket only moves frames.

#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "messaging/service.hpp"

namespace pm::realtime {

struct Outcome {
  std::vector<Json> replay;  // resume: missed message.new events, oldest first
  Json reply;                // the ack or error frame
};

class Protocol {
 public:
  explicit Protocol(messaging::Service& messaging) : messaging_(messaging) {}

  // `user_id` sent `frame` (text of one WebSocket message).
  Outcome handle(const std::string& user_id, std::string_view frame);

  // Whether a frame asks for a resume (the socket holds live events until it is answered).
  static bool is_resume(std::string_view frame);

  // The error frame for a problem (id may be null when the frame had no usable id).
  static Json error_frame(const Json& id, const Problem& problem);

  static constexpr std::size_t kMaxResumeConversations = 200;
  static constexpr int kReplayPage = 200;

 private:
  Outcome resume(const std::string& user_id, const Json& frame);

  messaging::Service& messaging_;
};

}  // namespace pm::realtime
