#include "cache/key_invalidations.hpp"

#include <functional>

#include "core/log.hpp"

namespace pm::cache {

KeyInvalidations::KeyInvalidations(RedisOptions options, std::vector<std::string> prefixes)
    : prefixes_(std::move(prefixes)), subscriber_(std::move(options)) {}

KeyInvalidations::~KeyInvalidations() { stop(); }

void KeyInvalidations::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { listen(); });
}

void KeyInvalidations::stop() {
  subscriber_.interrupt();
  if (thread_.joinable()) thread_.join();
}

std::size_t KeyInvalidations::key_hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

std::optional<KeyInvalidations::Mark> KeyInvalidations::mark() const {
  MutexLock lock(mutex_);
  if (!listening_) return std::nullopt;
  return Mark{.epoch = epoch_, .seq = seq_};
}

bool KeyInvalidations::unchanged_since(const Mark& mark, std::span<const std::size_t> key_hashes) const {
  MutexLock lock(mutex_);
  if (!listening_ || mark.epoch != epoch_) return false;
  for (const std::size_t h : key_hashes)
    if (auto it = changed_at_.find(h); it != changed_at_.end() && it->second > mark.seq) return false;
  return true;
}

void KeyInvalidations::changed(std::span<const std::string> keys) {
  MutexLock lock(mutex_);
  for (const auto& key : keys) note(key);
}

void KeyInvalidations::note(std::string_view key) {
  if (changed_at_.size() >= kMaxRemembered) forget_everything();
  changed_at_[key_hash(key)] = ++seq_;
}

void KeyInvalidations::forget_everything() {
  ++epoch_;
  changed_at_.clear();
}

bool KeyInvalidations::subscribe() {
  auto id = subscriber_.call({"CLIENT", "ID"});
  if (!id || !id->is_integer()) return false;
  std::vector<std::string> tracking{"CLIENT", "TRACKING", "on", "REDIRECT", std::to_string(id->integer()), "BCAST"};
  for (const auto& p : prefixes_) tracking.insert(tracking.end(), {"PREFIX", p});
  auto on = subscriber_.call(tracking);
  if (!on || on->is_error()) {
    log::warn("redis_tracking_refused", {{"error", on ? std::string(on->str()) : "no answer"}});
    return false;
  }
  return subscriber_.command({{"SUBSCRIBE", std::string(kChannel)}});
}

void KeyInvalidations::listen() {
  subscriber_.run({.connected = [this] { return subscribe(); },
                   .push = [this](const Push& push) { on_push(push); },
                   .lost = [this] { on_lost(); }});
}

void KeyInvalidations::on_lost() {
  // Notices may have been lost with the connection: nothing read before is trusted again.
  MutexLock lock(mutex_);
  listening_ = false;
  forget_everything();
}

void KeyInvalidations::on_push(const Push& push) {
  if (push.channel != kChannel) return;
  MutexLock lock(mutex_);
  if (push.kind == "subscribe") {
    // From here on every change is told: what is read after this mark can be trusted.
    listening_ = true;
    return;
  }
  if (push.kind != "message") return;
  ++notices_;
  if (push.nil) return forget_everything();  // FLUSHALL, FLUSHDB: every key
  for (const auto& key : push.keys) note(key);
}

}  // namespace pm::cache
