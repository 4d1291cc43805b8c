#include "auth/activity.hpp"

namespace pm::auth {

bool ActivityMarks::due(const std::string& user_id) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto it = asked_.find(user_id);
  if (it != asked_.end() && now - it->second < kEvery) return false;
  if (it == asked_.end() && asked_.size() >= kMaxUsers) asked_.clear();
  asked_[user_id] = now;
  return true;
}

}  // namespace pm::auth
