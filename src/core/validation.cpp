#include "core/validation.hpp"

#include <cmath>

#include <fmt/format.h>

#include "core/text.hpp"

namespace pm {

namespace {
const Json kNull;

}  // namespace

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Fields::Fields(const Json& body, std::string prefix) : body_(body), prefix_(std::move(prefix)) {
  if (!body_.is_object()) fail("", "the body must be a JSON object");
}

Fields& Fields::allow_only(std::initializer_list<std::string_view> allowed) {
  if (!body_.is_object()) return *this;
  for (const auto& [key, value] : body_.items()) {
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (!known) fail(key, "is not a known field");
  }
  return *this;
}

bool Fields::has(std::string_view key) const { return body_.is_object() && body_.contains(key); }
bool Fields::is_null(std::string_view key) const { return has(key) && body_.at(std::string(key)).is_null(); }
const Json& Fields::raw(std::string_view key) const { return has(key) ? body_.at(std::string(key)) : kNull; }

std::optional<std::string> Fields::text(std::string_view key, bool required, std::size_t max_length) {
  return read_text(key, required, max_length, false);
}

std::optional<std::string> Fields::multiline_text(std::string_view key, bool required, std::size_t max_length) {
  return read_text(key, required, max_length, true);
}

std::optional<std::string> Fields::read_text(std::string_view key, bool required, std::size_t max_length,
                                             bool multiline) {
  if (!has(key) || is_null(key)) {
    if (required) fail(key, "is required");
    return std::nullopt;
  }
  const auto& v = raw(key);
  if (!v.is_string()) {
    fail(key, "must be a string");
    return std::nullopt;
  }
  auto s = std::string(ascii_trim(v.get_ref<const std::string&>()));
  // (A name of a no-break space or a Hangul filler alone shows as a blank one.)
  if (required && !shows_something(s)) {
    fail(key, "must not be empty");
    return std::nullopt;
  }
  if (utf8_length(s) > max_length) {
    fail(key, fmt::format("must have at most {} characters", max_length));
    return std::nullopt;
  }
  for (unsigned char c : s)
    if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f) {
      fail(key, "must not contain control characters");
      return std::nullopt;
    }
  // One line (a name, a place, a label) must read as it is; a message or a bio may hold the
  // direction controls pasted right-to-left text carries.
  if (!multiline && has_hidden_controls(s)) {
    fail(key, "must not contain control characters or ones that reverse the direction of the text");
    return std::nullopt;
  }
  return s;
}

std::optional<long long> Fields::integer(std::string_view key, bool required, long long min, long long max) {
  if (!has(key) || is_null(key)) {
    if (required) fail(key, "is required");
    return std::nullopt;
  }
  const auto& v = raw(key);
  if (!v.is_number_integer()) {
    fail(key, "must be an integer");
    return std::nullopt;
  }
  auto n = v.get<long long>();
  if (v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(max)) n = max + 1;
  if (n < min || n > max) {
    fail(key, fmt::format("must be between {} and {}", min, max));
    return std::nullopt;
  }
  return n;
}

std::optional<double> Fields::number(std::string_view key, bool required, double min, double max) {
  if (!has(key) || is_null(key)) {
    if (required) fail(key, "is required");
    return std::nullopt;
  }
  const auto& v = raw(key);
  if (!v.is_number()) {
    fail(key, "must be a number");
    return std::nullopt;
  }
  double d = v.get<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    fail(key, fmt::format("must be between {} and {}", min, max));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> Fields::boolean(std::string_view key, bool required) {
  if (!has(key) || is_null(key)) {
    if (required) fail(key, "is required");
    return std::nullopt;
  }
  if (!raw(key).is_boolean()) {
    fail(key, "must be true or false");
    return std::nullopt;
  }
  return raw(key).get<bool>();
}

void Fields::fail(std::string_view key, std::string message) {
  std::string field = prefix_.empty() ? std::string(key) : key.empty() ? prefix_ : prefix_ + "." + std::string(key);
  errors_.push_back({{"field", field}, {"message", std::move(message)}});
}

void Fields::merge(const Fields& nested) {
  for (const auto& e : nested.errors_) errors_.push_back(e);
}

Problem Fields::problem() const {
  std::string detail;
  for (const auto& e : errors_) {
    if (!detail.empty()) detail += "; ";
    auto field = e["field"].get<std::string>();
    detail += field.empty() ? e["message"].get<std::string>() : field + " " + e["message"].get<std::string>();
  }
  Problem p("validation-failed", detail);
  p.extensions["errors"] = errors_;
  return p;
}

Problem invalid_field(std::string_view field, std::string message) {
  Fields f(Json::object());
  f.fail(field, std::move(message));
  return f.problem();
}

Problem about_field(Problem p, std::string_view field) {
  p.extensions["errors"] = Json::array({{{"field", field}, {"message", p.detail}}});
  return p;
}

}  // namespace pm
