#pragma once
// Maps (method, path) to a handler. Patterns are literal segments and {name} parameters:
// "/api/v1/users/{user_id}/block". A last segment {name*} takes one or more remaining segments,
// decoded and joined with '/': "/media/{key*}" matches "/media/users/a/b.jpg" with key "users/a/b.jpg".
// Unknown paths are 404, known paths with another method 405; a GET for an unknown path may go to a
// fallback instead (the web app's files and client-side routes: http/static_files.hpp).

#include <functional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace pm::http {

using Handler = std::function<Response(Request&)>;

class Router {
 public:
  // `max_body_bytes` above 0 replaces the server's body limit for this route (e.g. photo uploads).
  void add(Method method, std::string pattern, Handler handler, std::size_t max_body_bytes = 0);
  // A route whose handler never waits (no database, Redis, file or network): it runs on the I/O
  // thread that read the request. Every other route hops to the handler pool and back, so that
  // blocking work never stalls I/O; for a request that does nothing else, those two hops (two
  // thread wake-ups) are most of its cost (docs/benchmarks.md). A literal pattern only.
  void add_never_waiting(Method method, std::string pattern, Handler handler);
  bool never_waits(Method method, std::string_view path) const;
  // The body limit of the route `method path` leads to, or `fallback` when it sets none.
  std::size_t body_limit(Method method, std::string_view path, std::size_t fallback) const;
  // The largest body any route accepts (at least `fallback`).
  std::size_t largest_body_limit(std::size_t fallback) const;

  struct Match {
    const Handler* handler = nullptr;  // null: see `status`
    std::string route;                 // the pattern; for a miss, a fixed label (no raw paths in metrics)
    std::map<std::string, std::string> params;
    Status status = Status::ok;  // not_found or method_not_allowed on a miss
    std::string allow;           // the methods the path does accept (405)
  };
  Match match(Method method, std::string_view path) const;

  // GET requests for a path no route has (a 404, never a 405) go to `handler`, except paths equal
  // to or under one of `except_prefixes` (e.g. "/api"), which stay 404. Its route label is "(web app)".
  void set_fallback(Handler handler, std::vector<std::string> except_prefixes);

  // Every registered (method, pattern), for checking the API description against the server.
  std::vector<std::pair<Method, std::string>> routes() const;

 private:
  struct Route {
    Method method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    std::size_t max_body_bytes = 0;
    bool never_waits = false;
  };
  std::vector<Route> routes_;
  Handler fallback_;
  std::vector<std::string> fallback_except_;
};

}  // namespace pm::http
