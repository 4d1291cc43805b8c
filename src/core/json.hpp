#pragma once
// The one JSON helper: parsing untrusted text into a value or a Problem that says what is wrong.

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/problem.hpp"

namespace pm {

using Json = nlohmann::json;

// Parses `text`; malformed input becomes a 400 "malformed-json" problem naming the position.
Result<Json> parse_json(std::string_view text);

}  // namespace pm
