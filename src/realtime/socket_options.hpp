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
  std::size_t max_frame = 64 * 1024;
};

}  // namespace pm::realtime
