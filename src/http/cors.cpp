#include "http/cors.hpp"

#include <algorithm>

namespace pm::http {

namespace {
constexpr const char* kAllowMethods = "GET, POST, PUT, PATCH, DELETE";
constexpr const char* kAllowHeaders = "Authorization, Content-Type, X-Request-Id, X-App-Version";
constexpr const char* kExposeHeaders = "X-Request-Id, Retry-After, Location";
}  // namespace

CorsPolicy::CorsPolicy(std::string_view origins) {
  while (!origins.empty()) {
    auto comma = origins.find(',');
    auto origin = origins.substr(0, comma);
    while (!origin.empty() && origin.front() == ' ') origin.remove_prefix(1);
    while (!origin.empty() && origin.back() == ' ') origin.remove_suffix(1);
    if (!origin.empty()) origins_.emplace_back(origin);
    origins.remove_prefix(comma == std::string_view::npos ? origins.size() : comma + 1);
  }
}

bool CorsPolicy::allowed(std::string_view origin) const {
  return !origin.empty() && std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

bool CorsPolicy::is_preflight(const Request& req) {
  return req.method() == Method::options && req.is_api() && !req.header("Origin").empty() &&
         !req.header("Access-Control-Request-Method").empty();
}

Response CorsPolicy::preflight_response(const Request& req) const {
  Response res = no_content();
  res.set(beast_http::field::vary, "Origin");
  const auto origin = req.header("Origin");
  if (!allowed(origin)) return res;  // no Access-Control-* header: the browser refuses
  res.set(beast_http::field::access_control_allow_origin, origin);
  res.set(beast_http::field::access_control_allow_methods, kAllowMethods);
  res.set(beast_http::field::access_control_allow_headers, kAllowHeaders);
  res.set(beast_http::field::access_control_max_age, "600");
  return res;
}

void CorsPolicy::decorate(const Request& req, Response& res) const {
  if (!req.is_api()) return;
  res.set(beast_http::field::vary, "Origin");
  const auto origin = req.header("Origin");
  if (!allowed(origin)) return;
  res.set(beast_http::field::access_control_allow_origin, origin);
  res.set(beast_http::field::access_control_expose_headers, kExposeHeaders);
}

}  // namespace pm::http
