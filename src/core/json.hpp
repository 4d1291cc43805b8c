#pragma once
// The one JSON helper: parsing untrusted text into a value or a Problem that says what is wrong,
// writing values as text (dump_json), and writing text without a value in between (JsonWriter).

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/problem.hpp"

namespace pm {

using Json = nlohmann::json;

// How deep arrays and objects may nest in untrusted JSON. The API's deepest document (a question
// bank) nests 6 levels; a value nested 100,000 deep (valid JSON in a 200 KB body or a socket
// frame) would exhaust a thread's stack in any code that walks it recursively, dump() included.
inline constexpr int kMaxJsonDepth = 64;

// Parses `text`; malformed input, or nesting deeper than kMaxJsonDepth, becomes a 400
// "malformed-json" problem naming the position or the depth.
Result<Json> parse_json(std::string_view text);

// `value` as compact JSON text, as the API sends it: invalid UTF-8 in a string is replaced (U+FFFD)
// rather than thrown, so a stored value can never turn an answer into a 500.
std::string dump_json(const Json& value);

// The string member `key` of an object; "" when it is absent or not a string (for documents from
// outside whose optional members are read leniently: a provider's discovery document, a JWK).
std::string string_member(const Json& object, const char* key);

// JSON text written as it goes, for documents made in bulk: a batch generation writes millions
// (score details, highlights, insight documents), and building a Json tree of std::maps only to
// serialise it, copy it and free it was most of its writer's time (docs/benchmarks.md). Members
// come in the order written (dump_json sorts them by name); otherwise the text is dump_json's:
// strings escaped the same way, invalid UTF-8 replaced (U+FFFD), a non-finite number as null.
class JsonWriter {
 public:
  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  // The next member's name (inside an object; its value follows).
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(double number);
  JsonWriter& value(int number);
  JsonWriter& value(bool flag);
  JsonWriter& null();
  // An array of strings.
  JsonWriter& value(const std::vector<std::string>& texts);
  // A member: key(name) then value(v).
  template <typename T>
  JsonWriter& member(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();  // the comma before every value of an array or member of an object but the first
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);

  std::string out_;
  std::vector<bool> first_;  // per open array or object: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace pm
