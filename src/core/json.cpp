#include "core/json.hpp"

#include <fmt/format.h>

namespace pm {

Result<Json> parse_json(std::string_view text) {
  if (text.empty())
    return std::unexpected(Problem("malformed-json", "the request body is empty; a JSON value was expected"));
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for numbers too large for a double
    // nlohmann's message starts with an internal tag ("[json.exception.parse_error.101] "): drop it.
    std::string_view what = e.what();
    if (auto pos = what.find("] "); pos != std::string_view::npos) what.remove_prefix(pos + 2);
    return std::unexpected(Problem("malformed-json", fmt::format("the body is not valid JSON: {}", what)));
  }
}

}  // namespace pm
