#pragma once
// How many connections each client address holds (PM_MAX_CONNECTIONS_PER_IP). A connection holds
// its ConnectionSlot for its whole life, also after it left HTTP for a WebSocket: otherwise a
// client could get past the limit by upgrading, and hold thousands of sockets that each wait
// seconds for their auth frame.

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/mutex.hpp"

namespace pm::http {

class ConnectionSlots;

// One connection's place in its address's count; the place is free again when the slot goes.
// Move-only. A default-constructed slot holds no place (a trusted proxy's connection).
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionSlot&&) noexcept = default;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot();

 private:
  friend class ConnectionSlots;
  ConnectionSlot(std::shared_ptr<ConnectionSlots> owner, std::string ip)
      : owner_(std::move(owner)), ip_(std::move(ip)) {}
  std::shared_ptr<ConnectionSlots> owner_;  // shared: a WebSocket may outlive the server that counted it
  std::string ip_;
};

class ConnectionSlots : public std::enable_shared_from_this<ConnectionSlots> {
 public:
  explicit ConnectionSlots(int max_per_ip) : max_per_ip_(max_per_ip) {}
  // A place for one more connection from `ip`, or nothing when its client (an IPv6 address's /64,
  // as client_key counts) holds the maximum already.
  std::optional<ConnectionSlot> take(const std::string& ip);

 private:
  friend class ConnectionSlot;
  void give_back(const std::string& ip);

  const int max_per_ip_;
  Mutex mutex_;
  std::unordered_map<std::string, int> counts_ PM_GUARDED_BY(mutex_);
};

}  // namespace pm::http
