#pragma once
// Redis's client-side caching (CLIENT TRACKING in broadcasting mode) for the keys under some
// prefixes: Redis tells this node whenever one of them changes, whichever node changed it, so a
// value this node read can be used again without asking Redis until it is told otherwise. What
// it saves is the round trip: a cached GET /api/v1/matches then needs no Redis at all
// (docs/benchmarks.md).
//
// A reader takes a mark() before it reads the keys, keeps what it read with the mark, and later
// asks unchanged_since(mark, keys). A notice that arrives after the mark counts against it even
// if the change came before the read (a needless re-read, never a stale value). Nothing is
// trusted while the notice connection is down or not yet confirmed: a lost connection may have
// lost notices, so every earlier mark is void. A change this node makes itself is noted at once
// by changed(), so its own writes are never read back stale; another node's are seen when their
// notice arrives, a moment after the write (one delivery on a loopback or LAN connection).

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cache/subscriber.hpp"
#include "core/mutex.hpp"

namespace pm::cache {

class KeyInvalidations {
 public:
  KeyInvalidations(RedisOptions options, std::vector<std::string> prefixes);
  ~KeyInvalidations();
  KeyInvalidations(const KeyInvalidations&) = delete;
  KeyInvalidations& operator=(const KeyInvalidations&) = delete;

  // The thread that holds the notice connection (and makes it again after a loss).
  void start();
  void stop();

  struct Mark {
    std::uint64_t epoch = 0;  // which notice connection
    std::uint64_t seq = 0;    // how many notices it had brought
  };
  // Where the notices stand now; nullopt while nothing can be trusted (no confirmed connection).
  std::optional<Mark> mark() const PM_EXCLUDES(mutex_);
  // True when the same connection is still up and none of the keys (by key_hash) changed after
  // `mark`.
  bool unchanged_since(const Mark& mark, std::span<const std::size_t> key_hashes) const PM_EXCLUDES(mutex_);
  // This node changed these keys (call it after the write).
  void changed(std::span<const std::string> keys) PM_EXCLUDES(mutex_);
  static std::size_t key_hash(std::string_view key);

  // For tests and metrics: notices received since start.
  std::uint64_t notices() const { return notices_; }

 private:
  void listen();
  bool subscribe();  // on a fresh connection: tracking on, redirected to itself, and SUBSCRIBE
  void on_push(const Push& push) PM_EXCLUDES(mutex_);
  void on_lost() PM_EXCLUDES(mutex_);
  void note(std::string_view key) PM_REQUIRES(mutex_);
  void forget_everything() PM_REQUIRES(mutex_);

  // Past this many remembered changes everything is forgotten at once (every mark void): a miss
  // costs one read, and the table stays small however many keys a batch touches.
  static constexpr std::size_t kMaxRemembered = 200'000;
  static constexpr std::string_view kChannel = "__redis__:invalidate";

  std::vector<std::string> prefixes_;
  Subscriber subscriber_;
  std::thread thread_;
  std::atomic<std::uint64_t> notices_{0};

  mutable Mutex mutex_;
  bool listening_ PM_GUARDED_BY(mutex_) = false;
  std::uint64_t epoch_ PM_GUARDED_BY(mutex_) = 1;
  std::uint64_t seq_ PM_GUARDED_BY(mutex_) = 0;
  std::unordered_map<std::size_t, std::uint64_t> changed_at_ PM_GUARDED_BY(mutex_);  // key hash -> seq
};

}  // namespace pm::cache
