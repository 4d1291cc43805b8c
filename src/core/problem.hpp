#pragma once
// The one error type of the code base. An expected failure travels as a Problem value
// (std::expected, see Result below) and reaches the client as RFC 9457 application/problem+json.

#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/problem_types.hpp"
#include "core/try.hpp"  // PM_TRY: every user of Result passes errors up with it

namespace pm {

struct Problem {
  // The one way to make a Problem: a type of the catalogue (core/problem_types.hpp), which gives
  // its status and title, and what went wrong this time, e.g. Problem("not-found", "no such match").
  explicit Problem(ProblemSlug slug, std::string detail = {});

  // From the catalogue entry: its status, slug (e.g. "malformed-json") and title.
  int status;
  std::string type;
  std::string title;
  // This occurrence's: what exactly is wrong, and extra members (e.g. "errors").
  std::string detail;
  nlohmann::json extensions = nlohmann::json::object();

  // The problem+json body; `instance` is the request id so a report can be traced in the logs.
  nlohmann::json to_json(std::string_view instance) const;
  // The URI reference put in "type" for a slug.
  static std::string type_uri(std::string_view slug);
  // A store or provider of ours down or busy for the moment (a 503 "...-unavailable", or
  // "database-busy"): worth trying again later; not the request's nor the job's own fault.
  bool is_outage() const { return type == "database-busy" || (status == 503 && type.ends_with("-unavailable")); }
};

template <class T>
using Result = std::expected<T, Problem>;

}  // namespace pm
