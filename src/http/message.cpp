#include "http/message.hpp"

#include <charconv>
#include <set>
#include <string>

#include <fmt/format.h>

#include "core/text.hpp"

namespace pm::http {

std::string_view Request::path() const {
  auto t = target();
  return t.substr(0, t.find('?'));
}

bool Request::is_api() const {
  auto p = path();
  while (p.starts_with('/')) p.remove_prefix(1);
  return p == "api" || p.starts_with("api/");
}

namespace {

// A value of an application/x-www-form-urlencoded text, decoded ("x%20y+z" is "x y z").
std::string form_decode(std::string_view raw) {
  std::string value;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    if (raw[i] == '+')
      value += ' ';
    else if (raw[i] == '%' && i + 2 < raw.size() && hex(raw[i + 1]) && hex(raw[i + 2])) {
      value += static_cast<char>(std::stoi(std::string(raw.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else
      value += raw[i];
  }
  return value;
}

// Calls `each(name, raw value)` for every field of a form text ("a=1&b=x%20y") until it returns true.
template <typename F>
void each_field(std::string_view rest, F each) {
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    auto eq = pair.find('=');
    if (each(pair.substr(0, eq), eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1))) return;
  }
}

// The field `name` of an application/x-www-form-urlencoded text, decoded.
std::optional<std::string> form_field(std::string_view text, std::string_view name) {
  std::optional<std::string> out;
  each_field(text, [&](std::string_view field, std::string_view raw) {
    if (field == name) out = form_decode(raw);
    return out.has_value();
  });
  return out;
}

}  // namespace

std::optional<std::string> Request::query(std::string_view name) const {
  auto t = target();
  auto q = t.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  return form_field(t.substr(q + 1), name);
}

std::optional<Problem> Request::query_problem() const {
  auto t = target();
  auto q = t.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::optional<Problem> out;
  std::set<std::string> names;
  each_field(t.substr(q + 1), [&](std::string_view field, std::string_view raw) {
    const std::string name = form_decode(field), value = form_decode(raw);
    const std::string said = is_utf8(name) && name.size() <= 64 ? name : std::string("(unnamed)");
    bool text = is_utf8(value);
    for (unsigned char c : value) text = text && c >= 0x20 && c != 0x7f;
    if (!text)
      out = Problem("validation-failed",
                    fmt::format("the query parameter {} must be text (UTF-8, no control characters)", said));
    // No parameter takes a list: one given twice is refused rather than one of the two guessed.
    else if (!name.empty() && !names.insert(name).second)
      out = Problem("validation-failed", fmt::format("the query parameter {} is given more than once", said));
    return out.has_value();
  });
  return out;
}

bool Request::has_form() const {
  auto type = header("Content-Type");
  auto base = type.substr(0, type.find(';'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  return ascii_iequals(base, "application/x-www-form-urlencoded");
}

std::optional<std::string> Request::form(std::string_view name) const {
  if (!has_form()) return std::nullopt;
  return form_field(raw.body(), name);
}

Result<std::optional<long long>> Request::query_number(std::string_view name, long long min, long long max) const {
  auto text = query(name);
  if (!text) return std::optional<long long>{};
  long long n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc{} || end != text->data() + text->size() || n < min || n > max)
    return std::unexpected(
        Problem("validation-failed", fmt::format("{} must be a whole number from {} to {}", name, min, max)));
  return std::optional<long long>(n);
}

std::string_view Request::header(std::string_view name) const {
  auto it = raw.find(name);
  return it == raw.end() ? std::string_view{} : it->value();
}

Result<Json> Request::json() const {
  auto type = header("Content-Type");
  auto base = type.substr(0, type.find(';'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  if (base != "application/json" && !(base.starts_with("application/") && base.ends_with("+json"))) {
    return std::unexpected(
        Problem("unsupported-media-type", "the body must be JSON, sent with Content-Type: application/json"));
  }
  return parse_json(raw.body());
}

Response json_response(Status status, const Json& body) { return json_text_response(status, dump_json(body)); }

Response json_text_response(Status status, std::string json) {
  return text_response(status, std::move(json), "application/json");
}

Response text_response(Status status, std::string body, std::string_view content_type) {
  Response res{status, 11};
  res.set(beast_http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

Response problem_response(const Problem& problem, std::string_view request_id) {
  auto res = text_response(static_cast<Status>(problem.status), dump_json(problem.to_json(request_id)),
                           "application/problem+json");
  if (problem.status == 401) res.set(beast_http::field::www_authenticate, "Bearer");
  if (problem.status == 503 || problem.status == 429) {
    auto after = problem.extensions.value("retry_after", 1LL);
    res.set(beast_http::field::retry_after, std::to_string(after));
  }
  return res;
}

Response no_content() { return Response{Status::no_content, 11}; }

Response redirect(std::string_view location, Status status) {
  Response res{status, 11};
  res.set(beast_http::field::location, location);
  return res;
}

std::optional<std::string_view> Request::bearer_token() const {
  auto value = header("Authorization");
  constexpr std::string_view scheme = "Bearer ";
  if (value.size() <= scheme.size() || !ascii_istarts_with(value, scheme)) return std::nullopt;
  return value.substr(scheme.size());
}

}  // namespace pm::http
