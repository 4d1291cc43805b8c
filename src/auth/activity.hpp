#pragma once
// Whether this node should record that a user was active now. users.last_active is written at
// most once a minute per user across every node: Redis decides (SET last_active:{user} NX EX 60).
// This remembers when the node last asked, so a signed-in client's every request does not cost a
// Redis round trip that can only answer "already recorded" for the rest of that minute.

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pm::auth {

class ActivityMarks {
 public:
  static constexpr std::chrono::seconds kEvery{60};

  // True at most once per kEvery for a user (and the first time): then ask Redis.
  bool due(const std::string& user_id);

 private:
  static constexpr std::size_t kMaxUsers = 100000;  // past it all are forgotten: a few extra asks
  std::mutex mutex_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> asked_;
};

}  // namespace pm::auth
