#include "http/connection_slots.hpp"

namespace pm::http {

ConnectionSlot::~ConnectionSlot() {
  if (owner_) owner_->give_back(ip_);
}

std::optional<ConnectionSlot> ConnectionSlots::take(const std::string& ip) {
  {
    MutexLock lock(mutex_);
    int& count = counts_[ip];
    if (count >= max_per_ip_) return std::nullopt;
    ++count;
  }
  return ConnectionSlot(shared_from_this(), ip);
}

void ConnectionSlots::give_back(const std::string& ip) {
  MutexLock lock(mutex_);
  auto it = counts_.find(ip);
  if (it != counts_.end() && --it->second <= 0) counts_.erase(it);
}

}  // namespace pm::http
