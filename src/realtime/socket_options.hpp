#pragma once
// The limits of one client's WebSocket (Config: PM_WS_*). Apart from socket.hpp so that what
// configures sockets does not include Beast's WebSocket headers.

#include <cstddef>

#include "core/config.hpp"

namespace pm::realtime {

struct SocketOptions {
  Millis idle_timeout{60000};
  std::size_t send_queue = 256;  // frames waiting to be written before the reader counts as too slow
  Millis auth_timeout{10000};
  // How often a ready socket asks whether its session is still in force: a session that expires
  // announces nothing, and the socket must not outlive it.
  Millis session_recheck{60000};
  std::size_t max_frame = 64 * 1024;
  // Frames one socket may send per 10 s; beyond, each is answered with a rate-limited error and
  // not handled (every frame costs a transaction or a published event).
  int frames_per_10s = 100;
  // Frames read and not yet answered (pipelining: a send waits for its batch's commit, the next
  // frames are read meanwhile); at this many the socket stops reading until an answer goes out.
  std::size_t frames_in_flight = 32;
  // Open sockets of one user on one node; one more is refused (a user has a few devices).
  std::size_t sockets_per_user = 10;
};

}  // namespace pm::realtime
