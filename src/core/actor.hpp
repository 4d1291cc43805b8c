#pragma once
// Who the current thread's work is done for: a signed-in user (an HTTP request past its auth
// guard, a WebSocket frame), the system (the worker, the commands, a server's background work,
// match generation, the auth module's look-ups before anyone is known), or nobody (a request whose
// caller is not known). db::transact() hands it to PostgreSQL for row-level security
// (docs/security.md); the audit log takes the request id and IP from it.
//
// A thread with no Scope has the process's default: nobody, until App (serve, worker and every
// command) makes it the system. The HTTP server opens a request's scope (nobody, with its request
// id and IP); `auth::authed` narrows it to the caller for the handler's duration.

#include <string>

#include "core/id.hpp"

namespace pm::actor {

enum class Kind { none, system, user };

struct Actor {
  Kind kind = Kind::none;
  UserId user_id;          // for Kind::user
  std::string request_id;  // the HTTP request or WebSocket connection, when there is one
  std::string ip;          // the client's address, when there is one
};

void set_process_default(Kind kind);

// The innermost Scope of this thread, else the process's default.
const Actor& current();

// Sets the current actor until destroyed (then the previous one is back). Scopes nest.
class Scope {
 public:
  explicit Scope(Actor actor);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

  // A request's scope: nobody yet, with its request id and IP.
  static Actor request(std::string request_id, std::string ip);
  // The signed-in user `user_id`, keeping the current request id and IP.
  static Actor user(UserId user_id);
  // The system, keeping the current request id and IP (e.g. sign-in's look-up by email).
  static Actor system();

 private:
  const Actor* previous_;
  Actor actor_;
};

}  // namespace pm::actor
