#pragma once
// Cross-origin requests to /api/. The web app is served from the API's own origin and needs no
// CORS; other origins are refused unless PM_CORS_ORIGINS names them exactly. Bearer tokens are not
// cookies, so a foreign page cannot act as a user anyway; the policy is about reading answers.
// A refused origin gets no Access-Control-* header, which browsers treat as "not allowed".

#include <string>
#include <vector>

#include "http/message.hpp"

namespace pm::http {

class CorsPolicy {
 public:
  // `origins`: comma-separated exact origins ("https://app.example.com"); empty: same origin only.
  explicit CorsPolicy(std::string_view origins);

  // Whether `req` is a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) of
  // the API; its answer is preflight_response().
  static bool is_preflight(const Request& req);
  Response preflight_response(const Request& req) const;
  // Adds Access-Control-Allow-Origin (and Vary: Origin) to an API answer for an allowed origin.
  void decorate(const Request& req, Response& res) const;

 private:
  bool allowed(std::string_view origin) const;
  std::vector<std::string> origins_;
};

}  // namespace pm::http
