#pragma once
// What a client's frame on the socket does (docs/realtime.md): message.send, typing, read and
// resume, each answered by one ack or error frame carrying the client's id. Runs on the handler
// pool (it calls the Messaging Service, so PostgreSQL); the socket only moves frames.

#include <functional>
#include <optional>
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
  // A resume replays at most `max_replay` messages (half the socket's send queue, PM_WS_SEND_QUEUE:
  // app.cpp); its ack says whether there is more and from where to resume again.
  Protocol(messaging::Service& messaging, std::size_t max_replay) : messaging_(messaging), max_replay_(max_replay) {}

  // `user` sent `frame` (text of one WebSocket message): `done` gets the answer, at once for
  // every frame but message.send, whose answer comes after its batch committed (on the batch's
  // thread). A send is queued before this returns, so sends handled one after another are stored
  // in that order.
  void handle_async(const UserId& user, std::string_view frame, std::function<void(Outcome)> done);

  // For a frame that asks for a resume (the socket holds live events until it is answered): how
  // many conversations it names (each a read of history); nullopt for any other frame.
  static std::optional<std::size_t> resume_conversations(std::string_view frame);

  // The error frame for a problem (id may be null when the frame had no usable id).
  static Json error_frame(const Json& id, const Problem& problem);

  static constexpr std::size_t kMaxResumeConversations = 200;
  static constexpr int kReplayPage = 200;

 private:
  Outcome handle_now(const UserId& user, const Json& frame, const Json& id);
  Outcome resume(const UserId& user, const Json& frame);

  messaging::Service& messaging_;
  std::size_t max_replay_;
};

}  // namespace pm::realtime
