#include "core/problem.hpp"

namespace pm {

Problem::Problem(ProblemSlug slug, std::string detail)
    : status(slug->status), type(slug->slug), title(slug->title), detail(std::move(detail)) {}

std::string Problem::type_uri(std::string_view slug) { return "/problems/" + std::string(slug); }

nlohmann::json Problem::to_json(std::string_view instance) const {
  nlohmann::json body = extensions.is_object() ? extensions : nlohmann::json::object();
  body["type"] = type_uri(type);
  body["title"] = title;
  body["status"] = status;
  if (!detail.empty()) body["detail"] = detail;
  if (!instance.empty()) body["instance"] = "urn:request:" + std::string(instance);
  return body;
}

}  // namespace pm
