#pragma once
// Reading and checking a JSON request body field by field. Every fault is collected, so the
// client learns everything that is wrong at once: a 400 "validation-failed" problem whose
// "errors" lists {field, message}.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/problem.hpp"

namespace pm {

// Characters (code points) in UTF-8 text: a limit means characters to a person, not bytes.
std::size_t utf8_length(std::string_view s);

class Fields {
 public:
  // `body` must be a JSON object; anything else is itself a validation error.
  explicit Fields(const Json& body, std::string prefix = "");

  // Keys outside `allowed` are errors (unknown keys are never silently kept).
  Fields& allow_only(std::initializer_list<std::string_view> allowed);

  bool has(std::string_view key) const;
  bool is_null(std::string_view key) const;
  const Json& raw(std::string_view key) const;

  // Each returns nullopt when absent (an error if `required`) or invalid (always an error).
  // Strings are trimmed; an empty string counts as absent for required fields.
  std::optional<std::string> text(std::string_view key, bool required, std::size_t max_length);
  // Like text, but newlines and tabs are allowed (a bio, a report's details).
  std::optional<std::string> multiline_text(std::string_view key, bool required, std::size_t max_length);
  std::optional<long long> integer(std::string_view key, bool required, long long min, long long max);
  std::optional<double> number(std::string_view key, bool required, double min, double max);
  std::optional<bool> boolean(std::string_view key, bool required);

  void fail(std::string_view key, std::string message);
  bool ok() const { return errors_.empty(); }
  // The 400 problem listing every error (call only when !ok()).
  Problem problem() const;
  // Errors of a nested object read with its own Fields.
  void merge(const Fields& nested);

 private:
  std::optional<std::string> read_text(std::string_view key, bool required, std::size_t max_length, bool multiline);
  const Json& body_;
  std::string prefix_;
  Json errors_ = Json::array();
};

// The 400 "validation-failed" problem for one field, as Fields would make it ("limit must be ...").
Problem invalid_field(std::string_view field, std::string message);

// `p` naming the one field of the body it is about in "errors", as validation-failed does, so a
// client can show its detail beside that field (a weak password, a wrong one, the same address).
Problem about_field(Problem p, std::string_view field);

}  // namespace pm
