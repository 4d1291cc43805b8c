#include "core/problem.hpp"

namespace pm {

std::string Problem::type_uri(std::string_view slug) { return "/problems/" + std::string(slug); }

nlohmann::json Problem::to_json(std::string_view instance) const {
  nlohmann::json body = extensions.is_object() ? extensions : nlohmann::json::object();
  body["type"] = type_uri(type.empty() ? "internal" : type);
  body["title"] = title;
  body["status"] = status;
  if (!detail.empty()) body["detail"] = detail;
  if (!instance.empty()) body["instance"] = "urn:request:" + std::string(instance);
  return body;
}

Problem bad_request(std::string type, std::string detail) {
  return {.status = 400, .type = std::move(type), .title = "Bad request", .detail = std::move(detail)};
}

Problem not_found(std::string detail) {
  return {.status = 404, .type = "not-found", .title = "Not found", .detail = std::move(detail)};
}

Problem unavailable(std::string type, std::string detail) {
  return {.status = 503, .type = std::move(type), .title = "Service unavailable", .detail = std::move(detail)};
}

Problem unauthenticated(std::string detail) {
  return {.status = 401, .type = "unauthenticated", .title = "Unauthenticated", .detail = std::move(detail)};
}

}  // namespace pm
