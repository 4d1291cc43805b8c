#include "realtime/hub.hpp"

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "realtime/socket.hpp"

namespace pm::realtime {

Hub::Hub(cache::RedisPool& redis, cache::RedisOptions subscriber)
    : node_id_(crypto::uuid_v4()), redis_(redis), subscriber_(std::move(subscriber)) {}

Hub::~Hub() { stop(); }

void Hub::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { listen(); });
}

void Hub::stop() {
  stopping_ = true;
  subscriber_.interrupt();
  if (thread_.joinable()) thread_.join();
  // 1012 (service restart): the client reconnects, reaches another node, and resumes.
  close_all("server restarting; reconnect and resume", boost::beast::websocket::close_code::service_restart);
}

void Hub::publish(const std::vector<UserId>& users, const Json& event) {
  publish_all({Delivery{.users = users, .event = event}});
}

void Hub::publish_all(const std::vector<Delivery>& deliveries) {
  std::vector<std::vector<std::string>> commands;
  for (const auto& d : deliveries) {
    if (d.users.empty()) continue;
    const std::string payload = d.event.dump();
    for (const auto& user : d.users) commands.push_back({"SPUBLISH", channel_of(user), payload});
  }
  if (commands.empty()) return;
  auto replies = redis_.pipeline(commands);
  bool failed = !replies;
  if (replies)
    for (const auto& r : *replies) failed = failed || r.is_error();
  if (failed) log::warn("realtime_publish_failed", {{"events", commands.size()}});
}

void Hub::end_sessions(const auth::SessionsEnded& ended) {
  publish({ended.user_id}, {{"type", kSessionsEnded},
                            {"sessions", ended.sessions},
                            {"all", ended.all},
                            {"kept", ended.kept ? Json(*ended.kept) : Json(nullptr)}});
}

void Hub::listen() {
  subscriber_.run({.connected = [this] { return resubscribe(); },
                   .push = [this](const cache::Push& push) { on_push(push); },
                   .lost = [this] { on_lost(); }});
}

bool Hub::resubscribe() {
  {
    // A new connection has no channels: those of the users still attached again (their sockets
    // are closing after a lost connection, or it is the first one and there are none).
    std::lock_guard lock(mutex_);
    unconfirmed_.clear();
    std::vector<std::vector<std::string>> again;
    for (auto& [user, state] : users_) {
      state.subscribed = false;
      again.push_back({"SSUBSCRIBE", channel_of(user)});
      ++unconfirmed_[channel_of(user)];
    }
    subscriber_.command(again);
    listening_ = true;
  }
  log::info("realtime_listening", {{"channels", "sharded, per user"}});
  return true;
}

void Hub::on_lost() {
  listening_ = false;
  if (stopping_) return;
  // Events published while we were not subscribed are gone: the node's sockets close, and their
  // clients reconnect and resume from PostgreSQL, so nobody silently misses a message.
  log::warn("realtime_subscription_lost");
  close_all("realtime connection lost; reconnect and resume");
}

void Hub::on_push(const cache::Push& push) {
  if (!push.channel.starts_with(kChannelPrefix)) return;
  const UserId user(push.channel.substr(kChannelPrefix.size()));  // a channel this node subscribed to
  if (push.kind == "smessage") return deliver(user, push.payload);
  if (push.kind != "ssubscribe") return;  // (sunsubscribe: nothing to do)
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(mutex_);
    auto pending = unconfirmed_.find(push.channel);
    if (pending == unconfirmed_.end() || --pending->second > 0) return;
    unconfirmed_.erase(pending);
    auto it = users_.find(user);
    if (it == users_.end()) return;
    it->second.subscribed = true;
    ready.swap(it->second.ready);
  }
  for (auto& f : ready) f();
}

void Hub::deliver(const UserId& user_id, const std::string& payload) {
  ++events_received_;
  auto parsed = Json::parse(payload, nullptr, false);
  if (!parsed.is_object()) {
    log::warn("realtime_event_malformed");
    return;
  }
  auto event = std::make_shared<const Json>(std::move(parsed));
  auto frame = std::make_shared<const std::string>(payload);
  std::vector<std::shared_ptr<Socket>> targets;
  {
    std::lock_guard lock(mutex_);
    auto it = users_.find(user_id);
    if (it == users_.end()) return;
    for (const auto& weak : it->second.sockets)
      if (auto s = weak.lock()) targets.push_back(std::move(s));
  }
  const bool sessions_ended = event->value("type", "") == kSessionsEnded;
  for (const auto& s : targets) {
    if (sessions_ended)
      s->end_if_session_ended(*event);
    else
      s->deliver(frame, event);
  }
}

bool Hub::attach(const UserId& user_id, const std::shared_ptr<Socket>& socket, std::size_t max_per_user,
                 std::function<void()> subscribed) {
  {
    std::lock_guard lock(mutex_);
    auto [it, first] = users_.try_emplace(user_id);
    auto& mine = it->second;
    std::erase_if(mine.sockets, [](const std::weak_ptr<Socket>& w) { return w.expired(); });
    if (mine.sockets.size() >= max_per_user) return false;
    mine.sockets.push_back(socket);
    if (!mine.subscribed) {
      mine.ready.push_back(std::move(subscribed));
      // Written under the lock, so a detach's SUNSUBSCRIBE and this are written in the order they
      // happened. (Not connected: the reconnect subscribes every attached user.)
      if (first) {
        ++unconfirmed_[channel_of(user_id)];
        subscriber_.command({{"SSUBSCRIBE", channel_of(user_id)}});
      }
      return true;
    }
  }
  subscribed();
  return true;
}

void Hub::detach(const UserId& user_id, const Socket* socket) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return;
  std::erase_if(it->second.sockets, [socket](const std::weak_ptr<Socket>& w) {
    auto s = w.lock();
    return !s || s.get() == socket;
  });
  if (!it->second.sockets.empty()) return;
  users_.erase(it);
  subscriber_.command({{"SUNSUBSCRIBE", channel_of(user_id)}});
}

std::size_t Hub::open_sockets() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [user, state] : users_) n += state.sockets.size();
  return n;
}

void Hub::close_all(const char* reason, boost::beast::websocket::close_code code) {
  std::vector<std::shared_ptr<Socket>> all;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [user, state] : users_)
      for (const auto& weak : state.sockets)
        if (auto s = weak.lock()) all.push_back(std::move(s));
  }
  for (const auto& s : all) s->close(reason, code);
}

}  // namespace pm::realtime
