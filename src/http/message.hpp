#pragma once
// What a route handler sees and returns.

#include <chrono>
#include <concepts>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

#include "core/json.hpp"
#include "core/problem.hpp"

namespace pm::http {

namespace beast_http = boost::beast::http;
using Status = beast_http::status;
using Method = beast_http::verb;
using Response = beast_http::response<beast_http::string_body>;

struct Request {
  beast_http::request<beast_http::string_body> raw;
  std::string request_id;
  std::string remote_ip;
  std::string route;                          // the matched pattern, e.g. "/api/v1/users/{id}"
  std::map<std::string, std::string> params;  // path parameters by name

  Method method() const { return raw.method(); }
  std::string_view target() const { return raw.target(); }
  std::string_view path() const;
  // Whether the path is the API's: its first segment is `api`, as the router reads paths (so
  // `//api/v1/me` is, as it is routed there).
  bool is_api() const;
  std::string_view header(std::string_view name) const;
  // The query parameter `name` (?name=value), percent-decoded; nullopt when absent.
  std::optional<std::string> query(std::string_view name) const;
  // A 400 "validation-failed" naming the first query parameter that decodes to no text (not
  // UTF-8, or with a control character), or that is given twice (query() would take the first).
  // Server::handle asks before any route runs, so what query() gives is always text (PostgreSQL
  // refuses other bytes, which would be a 500) and the only value given.
  std::optional<Problem> query_problem() const;
  // The body is an HTML form (Content-Type: application/x-www-form-urlencoded); and its field
  // `name`, decoded as query() does (nullopt when absent, or when the body is no form).
  bool has_form() const;
  std::optional<std::string> form(std::string_view name) const;
  // An optional whole-number query parameter within [min, max]; a 400 "validation-failed" naming
  // the parameter when it is anything else.
  Result<std::optional<long long>> query_number(std::string_view name, long long min, long long max) const;
  // The path parameter `name` (a route's "{name}") as a typed id (core/id.hpp): a UUID in any case,
  // in its canonical lower-case form, so an id in any case names the same object. Anything else
  // names nothing: `if_malformed`, the route's answer for an id that is not the caller's.
  template <class IdType>
  Result<IdType> path_id(std::string_view name, const Problem& if_malformed) const {
    auto id = IdType::parse(params.at(std::string(name)));
    if (!id) return std::unexpected(if_malformed);
    return *id;
  }
  // The token of "Authorization: Bearer <token>", if the header is there and well-formed.
  std::optional<std::string_view> bearer_token() const;
  // The body as JSON: 415 unless the Content-Type is JSON, 400 "malformed-json" naming the fault.
  Result<Json> json() const;
};

// Responses: every body the API sends goes through one of these.
Response json_response(Status status, const Json& body);
// A body that is JSON text already (an answer a service keeps rendered).
Response json_text_response(Status status, std::string json);
Response text_response(Status status, std::string body, std::string_view content_type = "text/plain; charset=utf-8");
Response problem_response(const Problem& problem, std::string_view request_id);
Response no_content();
// 302 Found to `location` (a top-level navigation's next page: the browser's sign-in with a provider);
// 303 See Other where the next request must be a GET whatever this one was.
Response redirect(std::string_view location, Status status = Status::found);

// The usual ending of a handler: the value as JSON with `ok`, or the problem.
template <class T, class ToJson>
Response reply(const Request& req, const Result<T>& result, Status ok, ToJson&& to_json) {
  if (!result) return problem_response(result.error(), req.request_id);
  return json_response(ok, to_json(*result));
}
// A domain value that makes its own JSON (`to_json()`, as model.hpp types do).
template <class T>
requires requires(const T& value) {
  { value.to_json() } -> std::convertible_to<Json>;
}
Response reply(const Request& req, const Result<T>& result, Status ok = Status::ok) {
  return reply(req, result, ok, [](const T& value) { return value.to_json(); });
}
// Parses the JSON body into `Input` (Input::parse(const Json&) -> Result<Input>) and hands it to
// `fn`; a problem on the way (not JSON, invalid fields) becomes the response.
template <class Input, class Fn>
Response with_input(const Request& req, Fn&& fn) {
  auto body = req.json();
  if (!body) return problem_response(body.error(), req.request_id);
  auto input = Input::parse(*body);
  if (!input) return problem_response(input.error(), req.request_id);
  return fn(*input);
}

// A body that is JSON already (services that build their answer's JSON themselves).
inline Response reply(const Request& req, const Result<Json>& result, Status ok = Status::ok) {
  if (!result) return problem_response(result.error(), req.request_id);
  return json_response(ok, *result);
}

inline Response reply(const Request& req, const Result<void>& result, Status ok = Status::no_content) {
  if (!result) return problem_response(result.error(), req.request_id);
  return ok == Status::no_content ? no_content() : json_response(ok, Json::object());
}

}  // namespace pm::http
