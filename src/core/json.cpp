#include "core/json.hpp"

#include <fmt/format.h>

namespace pm {

std::string dump_json(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

Result<Json> parse_json(std::string_view text) {
  if (text.empty())
    return std::unexpected(Problem("malformed-json", "the request body is empty; a JSON value was expected"));
  // The callback sees each array and object as it opens, and stops the parse past the depth
  // limit, before anything that deep is built.
  struct TooDeep {};
  auto limit_depth = [](int depth, Json::parse_event_t event, Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth)
      throw TooDeep{};
    return true;
  };
  try {
    return Json::parse(text, limit_depth);
  } catch (const TooDeep&) {
    return std::unexpected(Problem(
        "malformed-json", fmt::format("the JSON nests arrays and objects deeper than {} levels", kMaxJsonDepth)));
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for numbers too large for a double
    // nlohmann's message starts with an internal tag ("[json.exception.parse_error.101] "): drop it.
    std::string_view what = e.what();
    if (auto pos = what.find("] "); pos != std::string_view::npos) what.remove_prefix(pos + 2);
    return std::unexpected(Problem("malformed-json", fmt::format("the body is not valid JSON: {}", what)));
  }
}

std::string string_member(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace pm
