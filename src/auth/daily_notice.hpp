#pragma once
// The day's one mail telling an address's owner that someone else used the address (a sign-up
// with it, another account's move to it). Each such mail is someone else's request: at most one a
// day per address, or a harasser repeating it fills the owner's inbox.
//
// Claimed in Redis inside the transaction that queues the mail, and given back (the destructor)
// unless that transaction committed: a request that fails after the claim does not cost the owner
// the day's mail.

#include <string>

#include "cache/redis.hpp"

namespace pm::auth {

class DailyNotice {
 public:
  DailyNotice(cache::RedisPool& redis, const std::string& email_index)
      : redis_(redis), key_("mail:address-used:" + email_index) {}
  ~DailyNotice() {
    if (claimed_ && !committed_) (void)redis_.command({"DEL", key_});
  }
  DailyNotice(const DailyNotice&) = delete;
  DailyNotice& operator=(const DailyNotice&) = delete;

  // Whether the mail goes: true for the first claim of the day. Should Redis not answer, the mail
  // goes: the owner hears of it rather than not.
  bool claim() {
    auto first = redis_.command({"SET", key_, "1", "NX", "EX", "86400"});
    claimed_ = first && !first->is_nil();
    return !first || claimed_;
  }
  // The transaction that queued the mail committed: the claim stands.
  void committed() { committed_ = true; }

 private:
  cache::RedisPool& redis_;
  std::string key_;
  bool claimed_ = false;
  bool committed_ = false;
};

}  // namespace pm::auth
