#pragma once
// The one error type of the code base. An expected failure travels as a Problem value
// (std::expected, see Result below) and reaches the client as RFC 9457 application/problem+json.

#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/try.hpp"  // PM_TRY: every user of Result passes errors up with it

namespace pm {

struct Problem {
  int status = 500;
  std::string type;    // stable slug documented in docs/openapi.yaml, e.g. "malformed-json"
  std::string title;   // short summary, the same for every occurrence of this type
  std::string detail;  // what exactly is wrong in this occurrence
  nlohmann::json extensions = nlohmann::json::object();  // extra members, e.g. "errors"

  // The problem+json body; `instance` is the request id so a report can be traced in the logs.
  nlohmann::json to_json(std::string_view instance) const;
  // The URI reference put in "type" for a slug.
  static std::string type_uri(std::string_view slug);
};

template <class T>
using Result = std::expected<T, Problem>;

// Shorthands for the kinds of problem every module raises.
Problem bad_request(std::string type, std::string detail);
Problem not_found(std::string detail);
Problem unavailable(std::string type, std::string detail);
Problem unauthenticated(std::string detail);  // 401: no valid session token

}  // namespace pm
