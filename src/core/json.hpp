#pragma once
// The one JSON helper: parsing untrusted text into a value or a Problem that says what is wrong.

#include <string>
#include <string_view>

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

}  // namespace pm
