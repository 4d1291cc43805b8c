#pragma once
// A small blocking WebSocket client for tests of GET /api/v1/ws (docs/realtime.md), over a real
// socket. Every wait has a timeout, so a test never hangs on a frame that does not come. Frames
// the server sends are kept in arrival order; the helpers that look for one frame (request,
// wait_for) take that one out and leave the others for later.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pm::test {

class WsClient {
 public:
  using Json = nlohmann::json;
  static constexpr int kWaitMs = 5000;  // for a frame that must come
  static constexpr int kQuietMs = 400;  // for frames that must not come

  // Upgrades GET /api/v1/ws on 127.0.0.1:port; a non-empty token goes in `Authorization: Bearer`.
  // Throws std::runtime_error (with the HTTP status and body) when the server does not upgrade.
  explicit WsClient(std::uint16_t port, const std::string& token = "");
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  void send_json(const Json& frame);
  void send_text(const std::string& text);
  // For a flood the server may cut off: sends `text` unless the socket has closed, and says
  // whether it went. A write the server's close cancels (or that finds the connection gone)
  // is not an error here; wait_closed tells how it ended.
  bool send_unless_closed(const std::string& text);

  // The next frame from the server, or nullopt if none comes within timeout_ms (or it closed).
  std::optional<Json> next_event(int timeout_ms = kWaitMs);
  // The first frame of `type` (and satisfying `match`, if given) within timeout_ms, taken out
  // of the order; frames before it stay to be read.
  std::optional<Json> wait_for(const std::string& type, int timeout_ms = kWaitMs,
                               const std::function<bool(const Json&)>& match = {});
  // Every frame that comes until none has for quiet_ms (those already received first).
  std::vector<Json> drain(int quiet_ms = kQuietMs);

  // Sends `frame` with an `id` (one is added when it has none) and returns the server's `ack` or
  // `error` for it; other frames stay to be read. Fails the test and returns {"type": "timeout"}
  // when no answer comes.
  Json request(Json frame, int timeout_ms = kWaitMs);
  // The `ack` or `error` for a frame already sent with this id (as request does).
  Json answer_to(const std::string& id, int timeout_ms = kWaitMs);

  // Waits for the server to close the socket: its close code (1006 when it ended without a close
  // frame), or nullopt when still open after timeout_ms. Frames before the close stay to be read.
  std::optional<int> wait_closed(int timeout_ms = kWaitMs);
  bool is_open() const;

  // A clean close (code 1000).
  void close();
  // Drops the TCP connection without a close frame, like a lost network.
  void drop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pm::test
