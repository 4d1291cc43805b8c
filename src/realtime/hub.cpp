#include "realtime/hub.hpp"

#include <algorithm>
#include <chrono>

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

void Hub::publish(const std::vector<std::string>& users, const Json& event) {
  if (users.empty()) return;
  Json envelope = {{"users", users}, {"event", event}};
  if (auto r = redis_.command({"PUBLISH", kChannel, envelope.dump()}); !r || r->is_error())
    log::warn("realtime_publish_failed", {{"event", event.value("type", "")}});
}

void Hub::end_sessions(const auth::SessionsEnded& ended) {
  publish({ended.user_id}, {{"type", kSessionsEnded},
                            {"sessions", ended.sessions},
                            {"all", ended.all},
                            {"kept", ended.kept ? Json(*ended.kept) : Json(nullptr)}});
}

void Hub::listen() {
  auto backoff = std::chrono::milliseconds(100);
  while (!stopping_) {
    if (!subscriber_.subscribe(kChannel)) {
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    listening_ = true;
    log::info("realtime_listening", {{"channel", kChannel}});
    while (auto payload = subscriber_.next()) deliver(*payload);
    listening_ = false;
    if (stopping_) break;
    // Events published while we were not subscribed are gone: the node's sockets close, and their
    // clients reconnect and resume from PostgreSQL, so nobody silently misses a message.
    log::warn("realtime_subscription_lost");
    close_all("realtime connection lost; reconnect and resume");
  }
}

void Hub::deliver(const std::string& payload) {
  auto envelope = Json::parse(payload, nullptr, false);
  if (!envelope.is_object() || !envelope["users"].is_array() || !envelope["event"].is_object()) {
    log::warn("realtime_event_malformed");
    return;
  }
  auto event = std::make_shared<const Json>(std::move(envelope["event"]));
  auto frame = std::make_shared<const std::string>(event->dump());
  std::vector<std::shared_ptr<Socket>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& user : envelope["users"]) {
      if (!user.is_string()) continue;
      auto it = sockets_.find(user.get<std::string>());
      if (it == sockets_.end()) continue;
      for (const auto& weak : it->second)
        if (auto s = weak.lock()) targets.push_back(std::move(s));
    }
  }
  const bool sessions_ended = event->value("type", "") == kSessionsEnded;
  for (const auto& s : targets) {
    if (sessions_ended)
      s->end_if_session_ended(*event);
    else
      s->deliver(frame, event);
  }
}

bool Hub::attach(const std::string& user_id, const std::shared_ptr<Socket>& socket, std::size_t max_per_user) {
  std::lock_guard lock(mutex_);
  auto& mine = sockets_[user_id];
  std::erase_if(mine, [](const std::weak_ptr<Socket>& w) { return w.expired(); });
  if (mine.size() >= max_per_user) return false;
  mine.push_back(socket);
  return true;
}

void Hub::detach(const std::string& user_id, const Socket* socket) {
  std::lock_guard lock(mutex_);
  auto it = sockets_.find(user_id);
  if (it == sockets_.end()) return;
  std::erase_if(it->second, [socket](const std::weak_ptr<Socket>& w) {
    auto s = w.lock();
    return !s || s.get() == socket;
  });
  if (it->second.empty()) sockets_.erase(it);
}

std::size_t Hub::open_sockets() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [user, list] : sockets_) n += list.size();
  return n;
}

void Hub::close_all(const char* reason, boost::beast::websocket::close_code code) {
  std::vector<std::shared_ptr<Socket>> all;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [user, list] : sockets_)
      for (const auto& weak : list)
        if (auto s = weak.lock()) all.push_back(std::move(s));
  }
  for (const auto& s : all) s->close(reason, code);
}

}  // namespace pm::realtime
