#include "http/connection_slots.hpp"

#include "core/client_address.hpp"

namespace pm::http {

ConnectionSlot::~ConnectionSlot() {
  if (owner_) owner_->give_back(ip_);
}

std::optional<ConnectionSlot> ConnectionSlots::take(const std::string& ip) {
  std::string client = client_key(ip);  // an IPv6 client by its /64, as the per-client limits count
  {
    MutexLock lock(mutex_);
    int& count = counts_[client];
    if (count >= max_per_ip_) return std::nullopt;
    ++count;
  }
  return ConnectionSlot(shared_from_this(), std::move(client));
}

void ConnectionSlots::give_back(const std::string& ip) {
  MutexLock lock(mutex_);
  auto it = counts_.find(ip);
  if (it != counts_.end() && --it->second <= 0) counts_.erase(it);
}

}  // namespace pm::http
