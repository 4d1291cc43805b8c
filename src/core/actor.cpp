#include "core/actor.hpp"

#include <atomic>

namespace pm::actor {

namespace {

std::atomic<Kind> process_default{Kind::none};
thread_local const Actor* innermost = nullptr;

}  // namespace

void set_process_default(Kind kind) { process_default = kind; }

const Actor& current() {
  if (innermost) return *innermost;
  thread_local Actor fallback;
  fallback = Actor{.kind = process_default.load()};
  return fallback;
}

Scope::Scope(Actor actor) : previous_(innermost), actor_(std::move(actor)) { innermost = &actor_; }

Scope::~Scope() { innermost = previous_; }

Actor Scope::request(std::string request_id, std::string ip) {
  return {.kind = Kind::none, .request_id = std::move(request_id), .ip = std::move(ip)};
}

Actor Scope::user(UserId user_id) {
  const auto& now = current();
  return {.kind = Kind::user, .user_id = std::move(user_id), .request_id = now.request_id, .ip = now.ip};
}

Actor Scope::system() {
  const auto& now = current();
  return {.kind = Kind::system, .request_id = now.request_id, .ip = now.ip};
}

}  // namespace pm::actor
